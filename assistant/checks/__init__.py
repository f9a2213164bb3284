"""Deterministic checks: findings, the rule registry, rule families and YAML rule packs."""
