"""Trade: orders (the state machine) above payments (the gateways, payouts, webhooks)."""
