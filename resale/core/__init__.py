"""The ground floor: settings, database, errors, pages, security and the other mechanisms
every area stands on. Imports no area."""
