"""SimpleITK stand-in: utils.py imports it to save test volumes, which the reference runs do not do."""
