"""Notifications: a line of text with a link, told to one person (resale.core.notifications.service)."""
