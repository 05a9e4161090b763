"""Chat adapters: translate platform payloads to bot.models and back."""
