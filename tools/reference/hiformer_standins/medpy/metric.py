def __getattr__(name):
    raise NotImplementedError(f'medpy stand-in: metric.{name} is not available')
