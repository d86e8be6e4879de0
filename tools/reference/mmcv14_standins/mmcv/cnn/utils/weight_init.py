def constant_init(module, val, bias=0):
    """Initialisation only; reference runs overwrite every parameter."""
