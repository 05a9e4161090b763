"""Slack: a slack-bolt AsyncApp (Socket Mode or HTTP) and pure Block Kit rendering."""
