"""Measuring: scores against gold attributions, error diagnosis and the rules' own example tests."""
