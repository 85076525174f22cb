"""Orgs, their members and teams (npm org, npm team)."""
