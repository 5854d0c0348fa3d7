"""Errors meant for the person running the code: each message is one line that names the
file or value and says what to do. The command line prints them without a traceback."""


class NSTError(Exception):
    """A problem with the user's input (file, image, option, weights): message is one line."""


class WeightsError(NSTError, ValueError):
    """The VGG weights are missing, unreadable or not what the network needs."""


class ImageError(NSTError, ValueError):
    """An input image is missing, unreadable or unusable."""
