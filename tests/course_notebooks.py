"""Completed learners' notebooks in the forms of the course's TF1 versions, written for the tests
of ``nst-course port`` (our own words and solutions; the structure follows public descriptions
of the course's notebooks: the imports, the cells that load the model and images, a
``# GRADED FUNCTION:`` cell and its test cell per graded function, then the training cells).

- ``v2``: ``print(model)``; the learner takes dimensions as TF1 ``Dimension`` objects
  (``a_G.get_shape()[1].value``), as many did under TensorFlow 1.x;
- ``v3``: like v2, with ``.get_shape().as_list()``;
- ``v3a``: ``import pprint`` / ``pp.pprint(model)``, ``imshow(generated_image[0]);`` and the GA
  test printing ``"GA = \\n"``.

``unfinished=`` leaves one graded function as the course released it (its lines still
``None``). ``iterations=`` is written into the final ``model_nn(...)`` call (None: the
course's default of 200).
"""

import json

IMPORTS = """import os
import sys
import scipy.io
import scipy.misc
import matplotlib.pyplot as plt
from matplotlib.pyplot import imshow
from PIL import Image
from nst_utils import *
import numpy as np
import tensorflow as tf
{pprint}%matplotlib inline"""

MODEL_V2 = """model = load_vgg_model("pretrained-model/imagenet-vgg-verydeep-19.mat")
print(model)"""

MODEL_V3A = """pp = pprint.PrettyPrinter(indent=4)
model = load_vgg_model("pretrained-model/imagenet-vgg-verydeep-19.mat")
pp.pprint(model)"""

CONTENT_SHOW = """content_image = scipy.misc.imread("images/louvre.jpg")
imshow(content_image){semi}"""

CONTENT_COST = {
    "v2": """# GRADED FUNCTION: compute_content_cost

def compute_content_cost(a_C, a_G):
    ### START CODE HERE ###
    m = a_G.get_shape()[0].value
    n_H = a_G.get_shape()[1].value
    n_W = a_G.get_shape()[2].value
    n_C = a_G.get_shape()[3].value
    a_C_flat = tf.reshape(a_C, [n_H * n_W, n_C])
    a_G_flat = tf.reshape(a_G, [n_H * n_W, n_C])
    J_content = tf.reduce_sum((a_C_flat - a_G_flat) ** 2) / (4 * n_H * n_W * n_C)
    ### END CODE HERE ###
    return J_content""",
    "v3": """# GRADED FUNCTION: compute_content_cost

def compute_content_cost(a_C, a_G):
    ### START CODE HERE ###
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_C_unrolled = tf.reshape(a_C, [m, -1, n_C])
    a_G_unrolled = tf.reshape(a_G, [m, -1, n_C])
    J_content = tf.reduce_sum(tf.square(tf.subtract(a_C_unrolled, a_G_unrolled))) / (4 * n_H * n_W * n_C)
    ### END CODE HERE ###
    return J_content""",
    "unfinished": """# GRADED FUNCTION: compute_content_cost

def compute_content_cost(a_C, a_G):
    ### START CODE HERE ###
    # Retrieve dimensions from a_G (≈1 line)
    m, n_H, n_W, n_C = None
    # Reshape a_C and a_G (≈2 lines)
    a_C_unrolled = None
    a_G_unrolled = None
    J_content = None
    ### END CODE HERE ###
    return J_content""",
}

CONTENT_TEST = """tf.reset_default_graph()

with tf.Session() as test:
    tf.set_random_seed(1)
    a_C = tf.random_normal([1, 4, 4, 3], mean=1, stddev=4)
    a_G = tf.random_normal([1, 4, 4, 3], mean=1, stddev=4)
    J_content = compute_content_cost(a_C, a_G)
    print("J_content = " + str(J_content.eval()))"""

STYLE_SHOW = """style_image = scipy.misc.imread("images/monet_800600.jpg")
imshow(style_image){semi}"""

GRAM = {
    "done": """# GRADED FUNCTION: gram_matrix

def gram_matrix(A):
    ### START CODE HERE ### (≈1 line)
    GA = tf.matmul(A, A, transpose_b=True)
    ### END CODE HERE ###
    return GA""",
    "unfinished": """# GRADED FUNCTION: gram_matrix

def gram_matrix(A):
    ### START CODE HERE ### (≈1 line)
    GA = None
    ### END CODE HERE ###
    return GA""",
}

GRAM_TEST = """tf.reset_default_graph()

with tf.Session() as test:
    tf.set_random_seed(1)
    A = tf.random_normal([3, 2*1], mean=1, stddev=4)
    GA = gram_matrix(A)
    print("GA = {nl}" + str(GA.eval()))"""

LAYER_STYLE = {
    "done": """# GRADED FUNCTION: compute_layer_style_cost

def compute_layer_style_cost(a_S, a_G):
    ### START CODE HERE ###
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_S = tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))
    GS = gram_matrix(a_S)
    GG = gram_matrix(a_G)
    J_style_layer = tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C**2 * (n_H * n_W)**2)
    ### END CODE HERE ###
    return J_style_layer""",
    "unfinished": """# GRADED FUNCTION: compute_layer_style_cost

def compute_layer_style_cost(a_S, a_G):
    ### START CODE HERE ###
    # Retrieve dimensions from a_G (≈1 line)
    m, n_H, n_W, n_C = None
    # Reshape the images to have them of shape (n_C, n_H*n_W) (≈2 lines)
    a_S = None
    a_G = None
    # Computing gram_matrices for both images S and G (≈2 lines)
    GS = None
    GG = None
    # Computing the loss (≈1 line)
    J_style_layer = None
    ### END CODE HERE ###
    return J_style_layer""",
}

LAYER_STYLE_TEST = """tf.reset_default_graph()

with tf.Session() as test:
    tf.set_random_seed(1)
    a_S = tf.random_normal([1, 4, 4, 3], mean=1, stddev=4)
    a_G = tf.random_normal([1, 4, 4, 3], mean=1, stddev=4)
    J_style_layer = compute_layer_style_cost(a_S, a_G)
    print("J_style_layer = " + str(J_style_layer.eval()))"""

STYLE_LAYERS = """STYLE_LAYERS = [
    ('conv1_1', 0.2),
    ('conv2_1', 0.2),
    ('conv3_1', 0.2),
    ('conv4_1', 0.2),
    ('conv5_1', 0.2)]"""

STYLE_COST = """def compute_style_cost(model, STYLE_LAYERS):
    J_style = 0
    for layer_name, coeff in STYLE_LAYERS:
        out = model[layer_name]
        a_S = sess.run(out)
        a_G = out
        J_style_layer = compute_layer_style_cost(a_S, a_G)
        J_style += coeff * J_style_layer
    return J_style"""

TOTAL = {
    "done": """# GRADED FUNCTION: total_cost

def total_cost(J_content, J_style, alpha = 10, beta = 40):
    ### START CODE HERE ### (≈1 line)
    J = alpha * J_content + beta * J_style
    ### END CODE HERE ###
    return J""",
    "unfinished": """# GRADED FUNCTION: total_cost

def total_cost(J_content, J_style, alpha = 10, beta = 40):
    ### START CODE HERE ### (≈1 line)
    J = None
    ### END CODE HERE ###
    return J""",
}

TOTAL_TEST = """tf.reset_default_graph()

with tf.Session() as test:
    np.random.seed(3)
    J_content = np.random.randn()
    J_style = np.random.randn()
    J = total_cost(J_content, J_style)
    print("J = " + str(J))"""

TRAINING = [
    """# Reset the graph
tf.reset_default_graph()

# Start interactive session
sess = tf.InteractiveSession()""",
    """content_image = scipy.misc.imread("images/louvre_small.jpg")
content_image = reshape_and_normalize_image(content_image)""",
    """style_image = scipy.misc.imread("images/monet.jpg")
style_image = reshape_and_normalize_image(style_image)""",
    """generated_image = generate_noise_image(content_image)
imshow(generated_image[0]){semi}""",
    """model = load_vgg_model("pretrained-model/imagenet-vgg-verydeep-19.mat")""",
    """sess.run(model['input'].assign(content_image))
out = model['conv4_2']
a_C = sess.run(out)
a_G = out
J_content = compute_content_cost(a_C, a_G)""",
    """sess.run(model['input'].assign(style_image))
J_style = compute_style_cost(model, STYLE_LAYERS)""",
    """### START CODE HERE ### (1 line)
J = total_cost(J_content, J_style, alpha = 10, beta = 40)
### END CODE HERE ###""",
    """# define optimizer (1 line)
optimizer = tf.train.AdamOptimizer(2.0)

# define train_step (1 line)
train_step = optimizer.minimize(J)""",
    """def model_nn(sess, input_image, num_iterations = 200):
    ### START CODE HERE ### (1 line)
    sess.run(tf.global_variables_initializer())
    ### END CODE HERE ###
    ### START CODE HERE ### (1 line)
    sess.run(model['input'].assign(input_image))
    ### END CODE HERE ###
    for i in range(num_iterations):
        ### START CODE HERE ### (1 line)
        sess.run(train_step)
        ### END CODE HERE ###
        ### START CODE HERE ### (1 line)
        generated_image = sess.run(model['input'])
        ### END CODE HERE ###
        if i%20 == 0:
            Jt, Jc, Js = sess.run([J, J_content, J_style])
            print("Iteration " + str(i) + " :")
            print("total cost = " + str(Jt))
            print("content cost = " + str(Jc))
            print("style cost = " + str(Js))
            save_image("output/" + str(i) + ".png", generated_image)
    save_image('output/generated_image.jpg', generated_image)
    return generated_image""",
    "model_nn(sess, generated_image{iterations})",
]


def _md(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text.splitlines(keepends=True)}


def _code(text, count=None, output=None):
    cell = {
        "cell_type": "code",
        "execution_count": count,
        "metadata": {},
        "outputs": [],
        "source": text.splitlines(keepends=True),
    }
    if output is not None:  # an output the learner's run left in the notebook
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": [output]}]
    return cell


def course_notebook(version, unfinished=None, iterations=None):
    """A learner's completed notebook (nbformat 4 dict) in ``version``'s form ('v2', 'v3',
    'v3a'); ``unfinished`` names a graded function left as released."""
    v3a = version == "v3a"
    semi = ";" if v3a else ""

    def pick(table, name, done):
        return table["unfinished"] if unfinished == name else table[done]

    code = [
        IMPORTS.format(pprint="import pprint\n" if v3a else ""),
        MODEL_V3A if v3a else MODEL_V2,
        CONTENT_SHOW.format(semi=semi),
        pick(CONTENT_COST, "compute_content_cost", "v2" if version == "v2" else "v3"),
        CONTENT_TEST,
        STYLE_SHOW.format(semi=semi),
        pick(GRAM, "gram_matrix", "done"),
        GRAM_TEST.format(nl="\\n" if v3a else ""),
        pick(LAYER_STYLE, "compute_layer_style_cost", "done"),
        LAYER_STYLE_TEST,
        STYLE_LAYERS,
        STYLE_COST,
        pick(TOTAL, "total_cost", "done"),
        TOTAL_TEST,
    ] + [
        cell.format(
            semi=semi, iterations="" if iterations is None else ", num_iterations = %d" % iterations
        )
        for cell in TRAINING
    ]
    cells = [
        _md(
            "# Neural Style Transfer: a learner's copy (test notebook, %s form)\n\n"
            "Written for the tests of `nst-course port`." % version
        )
    ]
    for k, text in enumerate(code, start=1):
        # an old output, as a learner's saved notebook has: it must survive the port
        output = "J_content = 6.76559\n" if text == CONTENT_TEST else None
        cells.append(_code(text, count=k, output=output))
        if k == 4:
            cells.append(_md("**Expected Output**: J_content = 6.76559"))
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python", "version": "3.6.0"},
        },
        "nbformat": 4,
        "nbformat_minor": 2,
    }


def write_notebook(path, nb):
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(nb, fh, indent=1, ensure_ascii=False)
        fh.write("\n")
    return str(path)


def as_script(nb):
    """The notebook as Jupyter's "Download as Python (.py)" writes it (magics as get_ipython)."""
    parts = ["#!/usr/bin/env python\n# coding: utf-8\n"]
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            parts.append("\n".join("# " + line for line in text.splitlines()) + "\n")
        else:
            text = text.replace(
                "%matplotlib inline", "get_ipython().run_line_magic('matplotlib', 'inline')"
            )
            parts.append("\n# In[%s]:\n\n\n%s\n" % (cell.get("execution_count") or " ", text))
    return "\n\n".join(parts)
