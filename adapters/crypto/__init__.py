"""Cryptography adapters: the secret box over master keys, and RSA key inspection."""
