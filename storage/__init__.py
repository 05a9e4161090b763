"""All SQL lives here: papers, daily lists, aliases, channels, subscriptions and the delivery ledger."""
