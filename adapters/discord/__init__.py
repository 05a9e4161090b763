"""Discord: a discord.py Client with one /papers app command, embeds, and persistent buttons."""
