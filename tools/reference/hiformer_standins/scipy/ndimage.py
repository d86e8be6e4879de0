def zoom(*args, **kwargs):
    raise NotImplementedError('scipy stand-in: the reference runs do not resample')
