"""The course's constants: ``CONFIG`` (from ``nst_utils``) and the graded cells' layer choices.

``CONFIG`` is a class used as a namespace, exactly as in the course, so that
``CONFIG.IMAGE_WIDTH`` and friends read the same in a notebook.
"""

import numpy as np


class CONFIG:
    """Image size, noise mix, VGG mean pixel and file locations used by the course."""

    IMAGE_WIDTH = 400
    IMAGE_HEIGHT = 300
    COLOR_CHANNELS = 3
    NOISE_RATIO = 0.6
    # Mean RGB pixel of ImageNet, shaped (1, 1, 1, 3) to broadcast over a (1, H, W, 3) batch.
    MEANS = np.array([123.68, 116.779, 103.939]).reshape((1, 1, 1, 3))
    VGG_MODEL = "pretrained-model/imagenet-vgg-verydeep-19.mat"
    STYLE_IMAGE = "images/monet.jpg"
    CONTENT_IMAGE = "images/tubingen.jpg"
    OUTPUT_DIR = "output/"


#: The course's style layers and their coefficients lambda^[l] (they sum to 1).
STYLE_LAYERS = [
    ("conv1_1", 0.2),
    ("conv2_1", 0.2),
    ("conv3_1", 0.2),
    ("conv4_1", 0.2),
    ("conv5_1", 0.2),
]

#: The layer whose activations define the content cost.
CONTENT_LAYER = "conv4_2"
