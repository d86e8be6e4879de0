class _Registry:
    def __init__(self):
        self.modules = {}

    def register_module(self):
        def add(cls):
            self.modules[cls.__name__] = cls
            return cls
        return add


ATTENTION = _Registry()
BACKBONES = _Registry()
HEADS = _Registry()
