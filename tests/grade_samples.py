"""Students' submissions for the grader's tests: correct, buggy, and hostile ones."""

import json

IMPORTS = """import os
import numpy as np
import tensorflow.compat.v1 as tf
from nst_course import *
"""

CONTENT = """def compute_content_cost(a_C, a_G):
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_C_unrolled = tf.reshape(a_C, [-1])
    a_G_unrolled = tf.reshape(a_G, [-1])
    J_content = tf.reduce_sum(tf.square(tf.subtract(a_C_unrolled, a_G_unrolled))) / (4 * n_H * n_W * n_C)
    return J_content
"""

GRAM = """def gram_matrix(A):
    GA = tf.matmul(A, tf.transpose(A))
    return GA
"""

LAYER_STYLE = """def compute_layer_style_cost(a_S, a_G):
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_S = tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))
    GS = gram_matrix(a_S)
    GG = gram_matrix(a_G)
    J_style_layer = tf.reduce_sum(tf.square(tf.subtract(GS, GG))) / (4 * n_C**2 * (n_H * n_W)**2)
    return J_style_layer
"""

# the classic mistake: reshaping straight to (n_C, n_H*n_W), no transpose
LAYER_STYLE_NO_TRANSPOSE = LAYER_STYLE.replace(
    "tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))", "tf.reshape(a_S, [n_C, n_H * n_W])"
).replace("tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))", "tf.reshape(a_G, [n_C, n_H * n_W])")

TOTAL = """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    J = alpha * J_content + beta * J_style
    return J
"""

TOTAL_SWAPPED = TOTAL.replace(
    "alpha * J_content + beta * J_style", "beta * J_content + alpha * J_style"
)

MODEL_NN = """def model_nn(sess, input_image, num_iterations = 200):
    sess.run(tf.global_variables_initializer())
    sess.run(model['input'].assign(input_image))
    for i in range(num_iterations):
        sess.run(train_step)
        generated_image = sess.run(model['input'])
        if i%20 == 0:
            Jt, Jc, Js = sess.run([J, J_content, J_style])
            print("Iteration " + str(i) + " :")
            print("total cost = " + str(Jt))
            print("content cost = " + str(Jc))
            print("style cost = " + str(Js))
            save_image("output/" + str(i) + ".png", generated_image)
    save_image('output/generated_image.jpg', generated_image)
    return generated_image
"""

GRADED = (
    "compute_content_cost",
    "gram_matrix",
    "compute_layer_style_cost",
    "total_cost",
    "model_nn",
)
CORRECT = {
    "compute_content_cost": CONTENT,
    "gram_matrix": GRAM,
    "compute_layer_style_cost": LAYER_STYLE,
    "total_cost": TOTAL,
    "model_nn": MODEL_NN,
}


def python_file(functions=None, imports=IMPORTS):
    """A .py submission: the imports and the functions (name -> code), correct by default."""
    code = dict(CORRECT, **(functions or {}))
    return (imports + "\n\n" + "\n\n".join(code[name] for name in GRADED)).encode("utf-8")


def notebook(functions=None, imports=IMPORTS, extra_cells=()):
    """A notebook in the course's form: an import cell, a '# GRADED FUNCTION: name' cell per
    function followed by a test cell, and ``extra_cells``."""
    code = dict(CORRECT, **(functions or {}))
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Art generation"]},
        _cell("%matplotlib inline\n" + imports),
    ]
    for name in GRADED:
        cells.append(_cell("# GRADED FUNCTION: %s\n\n%s" % (name, code[name])))
        cells.append(
            _cell(
                "print(%s)  # the notebook's own test cell: never run by the grader\n"
                "raise SystemExit('a test cell ran')" % name
            )
        )
    cells += [_cell(text) for text in extra_cells]
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1).encode("utf-8")


def _cell(text):
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {},
        "outputs": [],
        "source": text.splitlines(True),
    }


def contained(port, other, gradebook, secret):
    """A submission that does harm a sandbox must contain, without killing the child:
    deletes its working folder, opens a socket, reads other people's files, forks 200
    sleeping processes, kills its parent and everything it can, calls sys.exit. Each function
    reports what happened in the error it raises (the hint)."""
    return python_file(
        {
            "compute_content_cost": """def compute_content_cost(a_C, a_G):
    import shutil, socket
    for name in os.listdir('.'):
        shutil.rmtree(name) if os.path.isdir(name) else os.remove(name)
    try:
        socket.create_connection(('127.0.0.1', %d), timeout=5).sendall(b'stolen')
        raise RuntimeError('NET-OPEN')
    except OSError as exc:
        raise RuntimeError('NET-BLOCKED %%s' %% type(exc).__name__)
"""
            % port,
            "gram_matrix": """def gram_matrix(A):
    seen = []
    for label, path in (('other', %r), ('gradebook', %r), ('secret', %r)):
        try:
            with open(path, 'rb') as handle:
                seen.append('%%s:READ:%%s' %% (label, handle.read(20)))
        except OSError as exc:
            seen.append('%%s:%%s' %% (label, type(exc).__name__))
    raise RuntimeError('READS ' + ' '.join(seen))
"""
            % (other, gradebook, secret),
            "compute_layer_style_cost": """def compute_layer_style_cost(a_S, a_G):
    import time
    forked = 0
    try:
        for _ in range(200):
            if os.fork() == 0:
                time.sleep(600)
                os._exit(0)
            forked += 1
    except OSError as exc:
        raise RuntimeError('FORKS %d then %s' % (forked, type(exc).__name__))
    raise RuntimeError('FORKS %d' % forked)
""",
            "total_cost": """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    import signal
    for target in (os.getppid(), -1):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass
    return alpha * J_content + beta * J_style
""",
            "model_nn": """def model_nn(sess, input_image, num_iterations = 200):
    import sys
    sys.exit(3)
""",
        }
    )


def crashing(big_file_mb=200):
    """A submission whose functions end the child: os._exit, an endless loop, a 6 GB
    allocation, a file larger than the limit, and one correct function."""
    return python_file(
        {
            "gram_matrix": """def gram_matrix(A):
    os._exit(3)
""",
            "compute_content_cost": """def compute_content_cost(a_C, a_G):
    while True:
        pass
""",
            "compute_layer_style_cost": """def compute_layer_style_cost(a_S, a_G):
    hog = np.ones(6 * 2**30 // 8)
    return float(hog[0])
""",
            "model_nn": """def model_nn(sess, input_image, num_iterations = 200):
    with open('big.bin', 'wb') as handle:
        for _ in range(%d):
            handle.write(b'x' * 2**20)
    raise RuntimeError('wrote it all')
"""
            % big_file_mb,
        }
    )


def cheating():
    """Uses the package's solution (openly, hidden, or by name), and boasts on stdout."""
    return python_file(
        {
            "compute_content_cost": "from nst_course.costs import compute_content_cost\n",
            "gram_matrix": """def gram_matrix(A):
    solution = __import__('nst_' + 'course.co' + 'sts', fromlist=['x'])
    return solution.gram_matrix(A)
""",
            "compute_layer_style_cost": "compute_layer_style_cost = compute_layer_style_cost\n",
            "total_cost": """def total_cost(J_content, J_style, alpha = 10, beta = 40):
    import json, sys
    print('All tests passed')
    print(json.dumps({'function': 'total_cost', 'observations': {}}))
    sys.stdout.flush()
    return 0.0
""",
        }
    )
