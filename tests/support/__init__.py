"""Test support: a local Slack Web API stand-in, Slack-signed requests, and their fixtures."""
