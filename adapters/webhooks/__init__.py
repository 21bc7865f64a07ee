"""Webhooks to the business system over HTTP."""
