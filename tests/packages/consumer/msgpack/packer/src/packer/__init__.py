"""Packs and unpacks with msgpack."""
