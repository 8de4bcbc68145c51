def twice(int x):
    """Doubles x."""
    return 2 * x
