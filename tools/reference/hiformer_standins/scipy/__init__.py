"""scipy stand-in: utils.py imports scipy.ndimage.zoom for its test loop, which the reference runs do not call."""
