"""Accounts, passwords, tokens, and who is asking."""
