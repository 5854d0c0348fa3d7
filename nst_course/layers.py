"""The layer lists of VGG-19 and VGG-16 as MatConvNet stores them (``layers`` cell order)."""


def _vgg_layer_names(convs_per_block):
    names = []
    for block, n in enumerate(convs_per_block, start=1):
        for i in range(1, n + 1):
            names += ["conv%d_%d" % (block, i), "relu%d_%d" % (block, i)]
        names.append("pool%d" % block)
    names += ["fc6", "relu6", "fc7", "relu7", "fc8", "prob"]
    return tuple(names)


#: The 43 entries of imagenet-vgg-verydeep-19.mat (conv1_1 is index 0, prob index 42).
VGG19_LAYERS = _vgg_layer_names((2, 2, 4, 4, 4))
#: The 37 entries of imagenet-vgg-verydeep-16.mat.
VGG16_LAYERS = _vgg_layer_names((2, 2, 3, 3, 3))

#: Output channels of each block's convolutions.
BLOCK_CHANNELS = (64, 128, 256, 512, 512)


def layer_type(name):
    """MatConvNet's type of a layer, from its name ('fc' layers are convolutions there)."""
    if name.startswith(("conv", "fc")):
        return "conv"
    if name.startswith("relu"):
        return "relu"
    if name.startswith("pool"):
        return "pool"
    return "softmax"


def conv_part(names):
    """The entries up to and including pool5 (what the style-transfer graph uses)."""
    names = tuple(names)
    return names[: names.index("pool5") + 1] if "pool5" in names else names
