"""The vocabulary every layer shares: values and their units, codes, limits, raw input with locations,
the programme and its rules, the Case. Imports nothing above it."""
