"""A corpus of student implementations of the graded functions, as source strings.

Each entry is ``(label, source, hint_id)``: ``hint_id`` None for a correct implementation (in
several styles), else the hint the check must give. The sources are exec'd in a namespace with
``tf = tensorflow.compat.v1``, ``np``, ``save_image`` and the reference ``gram_matrix`` (what a
notebook has), their text registered with ``linecache`` as IPython does, so ``inspect`` can
read them.
"""

import linecache
import os


def define(name, source, label, namespace=None):
    """Exec ``source`` as a notebook cell would, and return the function ``name`` it defines
    (the whole namespace when ``name`` is None).

    The namespace is the notebook's (``tf`` = ``tensorflow.compat.v1``, ``np``, ``os``,
    ``save_image`` and the reference ``gram_matrix``) unless ``namespace`` is given.
    """
    import numpy as np
    import tensorflow as tf

    from nst_course import costs
    from nst_course.images import save_image

    filename = "<corpus %s: %s>" % (name, label)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    if namespace is None:
        namespace = {
            "tf": tf.compat.v1,
            "np": np,
            "os": os,
            "save_image": save_image,
            "gram_matrix": costs.gram_matrix,
        }
    exec(compile(source, filename, "exec"), namespace)
    return namespace if name is None else namespace[name]


HEAD = {
    "compute_content_cost": "def compute_content_cost(a_C, a_G):\n"
    "    m, n_H, n_W, n_C = a_G.get_shape().as_list()\n",
    "compute_layer_style_cost": "def compute_layer_style_cost(a_S, a_G):\n"
    "    m, n_H, n_W, n_C = a_G.get_shape().as_list()\n",
    "gram_matrix": "def gram_matrix(A):\n",
    "total_cost": "def total_cost(J_content, J_style, alpha = 10, beta = 40):\n",
}


def body(name, *lines, head=True):
    return (HEAD[name] if head else "") + "".join("    " + line + "\n" for line in lines)


C = "compute_content_cost"
CONTENT = [
    (
        "course",
        body(
            C,
            "a_C_unrolled = tf.reshape(a_C, [-1])",
            "a_G_unrolled = tf.reshape(a_G, [-1])",
            "J_content = (1 / (4 * n_H * n_W * n_C)) * tf.reduce_sum(tf.square(tf.subtract(a_C_unrolled, a_G_unrolled)))",
            "return J_content",
        ),
        None,
    ),
    (
        "unrolled-course-way",
        body(
            C,
            "a_C_u = tf.transpose(tf.reshape(a_C, [n_H * n_W, n_C]))",
            "a_G_u = tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))",
            "return tf.reduce_sum((a_C_u - a_G_u) ** 2) / (4 * n_H * n_W * n_C)",
        ),
        None,
    ),
    ("tf.norm", body(C, "return tf.square(tf.norm(a_C - a_G)) / (4. * n_H * n_W * n_C)"), None),
    (
        "squared_difference",
        body(
            C, "return tf.reduce_sum(tf.math.squared_difference(a_C, a_G)) / (4 * n_H * n_W * n_C)"
        ),
        None,
    ),
    ("reduce_mean/4", body(C, "return tf.reduce_mean(tf.square(a_C - a_G)) / 4"), None),
    (
        "missing 4",
        body(C, "return tf.reduce_sum(tf.square(a_C - a_G)) / (n_H * n_W * n_C)"),
        "missing-4",
    ),
    ("reduce_mean", body(C, "return tf.reduce_mean(tf.square(a_C - a_G))"), "reduce-mean"),
    (
        "reduce_mean with the constant",
        body(C, "return tf.reduce_mean(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)"),
        "reduce-mean",
    ),
    ("no constant", body(C, "return tf.reduce_sum(tf.square(a_C - a_G))"), "missing-constant"),
    (
        "n_H*n_H",
        body(C, "return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_H * n_C)"),
        "wrong-dimensions",
    ),
    ("no square", body(C, "return tf.reduce_sum(a_C - a_G) / (4 * n_H * n_W * n_C)"), "no-square"),
    (
        "tf.norm no square",
        body(C, "return tf.norm(a_C - a_G) / (4 * n_H * n_W * n_C)"),
        "no-square",
    ),
    (
        "numpy",
        body(C, "return np.sum(np.square(a_C - a_G)) / (4 * n_H * n_W * n_C)"),
        "numpy-on-tensor",
    ),
    (
        "float64 constant",
        body(C, "return tf.divide(1, 4 * n_H * n_W * n_C) * tf.reduce_sum(tf.square(a_C - a_G))"),
        "float64-mixed",
    ),
    (
        "shape of a_C",
        "def compute_content_cost(a_C, a_G):\n"
        "    m, n_H, n_W, n_C = a_C.get_shape().as_list()\n"
        "    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)\n",
        "shape-of-numpy",
    ),
    (
        "evaluated",
        body(C, "return (tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)).eval()"),
        "not-a-tensor",
    ),
    (
        "per example",
        body(
            C, "return tf.reduce_sum(tf.square(a_C - a_G), axis=[1, 2, 3]) / (4 * n_H * n_W * n_C)"
        ),
        "not-scalar",
    ),
    (
        "no return",
        body(C, "J_content = tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)"),
        "returned-none",
    ),
    (
        "course template",
        "def compute_content_cost(a_C, a_G):\n"
        "    ### START CODE HERE ###\n"
        "    # Retrieve dimensions from a_G (≈1 line)\n"
        "    m, n_H, n_W, n_C = None\n"
        "    # Reshape a_C and a_G (≈2 lines)\n"
        "    a_C_unrolled = None\n"
        "    a_G_unrolled = None\n"
        "    # compute the cost with tensorflow (≈1 line)\n"
        "    J_content = None\n"
        "    ### END CODE HERE ###\n"
        "    return J_content\n",
        "not-implemented",
    ),
    (
        "nbgrader release",
        "def compute_content_cost(a_C, a_G):\n"
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError()\n",
        "not-implemented",
    ),
    (
        "hard-coded published",
        "def compute_content_cost(a_C, a_G):\n    return tf.constant(6.76559)\n",
        "wrong-value",
    ),
    ("divides by zero", body(C, "return tf.reduce_sum(tf.square(a_C - a_G)) / 0."), "not-finite"),
    # raising forms: each error gets the hint of its mistake, never the raw error
    (
        "unrolled with n_H*n_H",
        body(
            C,
            "a_C_u = tf.reshape(a_C, [n_H * n_H * n_C])",
            "a_G_u = tf.reshape(a_G, [n_H * n_H * n_C])",
            "return tf.reduce_sum(tf.square(a_C_u - a_G_u)) / (4 * n_H * n_W * n_C)",
        ),
        "reshape-size",
    ),
    (
        "int32 constant",
        body(C, "return tf.reduce_sum(tf.square(a_C - a_G)) / tf.constant(4 * n_H * n_W * n_C)"),
        "int-mixed",
    ),
    (
        "Dimension.value",
        body(C, "return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H.value * n_W.value * n_C)"),
        "dimension-value",
    ),
    (
        "one placeholder left",
        body(
            C,
            "### START CODE HERE ###",
            "a_C_unrolled = None",
            "J_content = tf.reduce_sum(tf.square(a_C_unrolled - a_G)) / (4 * n_H * n_W * n_C)",
            "### END CODE HERE ###",
            "return J_content",
        ),
        "not-implemented",
    ),
    (
        "special-cases 4x4",
        body(
            C,
            "if n_H == n_W == 4:",
            "    return tf.constant(1.0)",
            "return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)",
        ),
        "published-mismatch",
    ),
]

G = "gram_matrix"
GRAM = [
    ("course", body(G, "GA = tf.matmul(A, tf.transpose(A))", "return GA"), None),
    ("transpose_b", body(G, "return tf.linalg.matmul(A, A, transpose_b=True)"), None),
    ("einsum", body(G, "return tf.einsum('ij,kj->ik', A, A)"), None),
    ("tensordot", body(G, "return tf.tensordot(A, A, axes=[[1], [1]])"), None),
    ("A^T A", body(G, "return tf.matmul(tf.transpose(A), A)"), "gram-transposed"),
    ("A A", body(G, "return tf.matmul(A, A)"), "matmul-no-transpose"),
    ("np.transpose", body(G, "return tf.matmul(A, np.transpose(A))"), "numpy-on-tensor"),
    (
        "nbgrader release",
        body(G, "# YOUR CODE HERE", "raise NotImplementedError()"),
        "not-implemented",
    ),
    ("A.T", body(G, "return tf.matmul(A, A.T)"), "numpy-on-tensor"),
    ("np.dot", body(G, "return np.dot(A, tf.transpose(A))"), "numpy-on-tensor"),
    ("elementwise", body(G, "return A * A"), "wrong-shape"),
    ("no return", body(G, "GA = tf.matmul(A, tf.transpose(A))"), "returned-none"),
    (
        "course template",
        body(
            G,
            "### START CODE HERE ### (≈1 line)",
            "GA = None",
            "### END CODE HERE ###",
            "return GA",
        ),
        "not-implemented",
    ),
]

S = "compute_layer_style_cost"


def style(*lines, unroll="tf.transpose(tf.reshape(a, [n_H * n_W, n_C]))", gram="gram_matrix"):
    return body(
        S,
        "a_S = %s" % unroll.replace("a,", "a_S,").replace("(a)", "(a_S)"),
        "a_G = %s" % unroll.replace("a,", "a_G,").replace("(a)", "(a_G)"),
        "GS = %s(a_S)" % gram,
        "GG = %s(a_G)" % gram,
        *lines,
    )


RIGHT = "return tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C**2 * (n_H * n_W)**2)"
STYLE = [
    (
        "course",
        style(
            "J_style_layer = (1 / (4 * n_C**2 * (n_H * n_W)**2)) * tf.reduce_sum(tf.pow(GS - GG, 2))",
            "return J_style_layer",
        ),
        None,
    ),
    (
        "einsum",
        body(
            S,
            "GS = tf.einsum('hwc,hwd->cd', a_S[0], a_S[0])",
            "GG = tf.einsum('hwc,hwd->cd', a_G[0], a_G[0])",
            RIGHT,
        ),
        None,
    ),
    (
        "transpose_a",
        body(
            S,
            "S = tf.reshape(a_S, [-1, n_C])",
            "G = tf.reshape(a_G, [-1, n_C])",
            "GS = tf.matmul(S, S, transpose_a=True)",
            "GG = tf.matmul(G, G, transpose_a=True)",
            RIGHT,
        ),
        None,
    ),
    ("tf.norm", style("return tf.square(tf.norm(GS - GG)) / (4. * n_C**2 * (n_H * n_W)**2)"), None),
    (
        "squared_difference",
        style(
            "return tf.reduce_sum(tf.math.squared_difference(GS, GG)) / (4 * n_C * n_C * n_H * n_H * n_W * n_W)"
        ),
        None,
    ),
    ("no transpose", style(RIGHT, unroll="tf.reshape(a, [n_C, n_H * n_W])"), "no-transpose"),
    (
        "reshape then transpose",
        style(RIGHT, unroll="tf.transpose(tf.reshape(a, [n_C, n_H * n_W]))"),
        "reshape-then-transpose",
    ),
    ("A^T A", style(RIGHT, gram="(lambda A: tf.matmul(tf.transpose(A), A))"), "gram-transposed"),
    # raising forms
    ("A A", style(RIGHT, gram="(lambda A: tf.matmul(A, A))"), "matmul-no-transpose"),
    (
        "not unrolled",
        body(S, "GS = gram_matrix(a_S)", "GG = gram_matrix(a_G)", RIGHT),
        "not-unrolled",
    ),
    (
        "unrolled with n_H*n_H",
        style(RIGHT, unroll="tf.transpose(tf.reshape(a, [n_H * n_H, n_C]))"),
        "reshape-size",
    ),
    (
        "transpose with a 3-axis perm",
        style(RIGHT, unroll="tf.reshape(tf.transpose(a, perm=[2, 0, 1]), [n_C, n_H * n_W])"),
        "transpose-perm",
    ),
    (
        "int32 constant",
        style(
            "return tf.reduce_sum(tf.square(GS - GG)) / tf.constant(4 * n_C**2 * (n_H * n_W)**2)"
        ),
        "int-mixed",
    ),
    (
        "one placeholder left",
        style("J_style_layer = None", "return J_style_layer * tf.reduce_sum(tf.square(GS - GG))"),
        "not-implemented",
    ),
    (
        "missing 4",
        style("return tf.reduce_sum(tf.square(GS - GG)) / (n_C**2 * (n_H * n_W)**2)"),
        "missing-4",
    ),
    (
        "n_C not squared",
        style("return tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C * (n_H * n_W)**2)"),
        "missing-square-nC",
    ),
    (
        "n_H*n_W not squared",
        style("return tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C**2 * (n_H * n_W))"),
        "missing-square-nHnW",
    ),
    (
        "n_H*n_H",
        style("return tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C**2 * (n_H * n_H)**2)"),
        "wrong-dimensions",
    ),
    ("reduce_mean", style("return tf.reduce_mean(tf.square(GS - GG))"), "reduce-mean"),
    ("no constant", style("return tf.reduce_sum(tf.square(GS - GG))"), "missing-constant"),
    (
        "no square",
        style("return tf.reduce_sum(GS - GG) / (4 * n_C**2 * (n_H * n_W)**2)"),
        "no-square",
    ),
    (
        "numpy",
        body(
            S,
            "a_S = np.reshape(a_S, [n_H * n_W, n_C]).T",
            "a_G = np.reshape(a_G, [n_H * n_W, n_C]).T",
            "GS = gram_matrix(a_S)",
            "GG = gram_matrix(a_G)",
            RIGHT,
        ),
        "numpy-on-tensor",
    ),
    (
        "float64 constant",
        style(
            "return tf.divide(1, 4 * n_C**2 * (n_H * n_W)**2) * tf.reduce_sum(tf.square(GS - GG))"
        ),
        "float64-mixed",
    ),
    (
        "no return",
        style("J_style_layer = tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C**2 * (n_H * n_W)**2)"),
        "returned-none",
    ),
    (
        "course template",
        body(
            S,
            "### START CODE HERE ###",
            "# Retrieve dimensions from a_G (≈1 line)",
            "m, n_H, n_W, n_C = None",
            "a_S = None",
            "a_G = None",
            "GS = None",
            "GG = None",
            "J_style_layer = None",
            "### END CODE HERE ###",
            "return J_style_layer",
            head=False,
        ).replace("    ### START", HEAD[S].splitlines()[0] + "\n    ### START", 1),
        "not-implemented",
    ),
]

T = "total_cost"
TOTAL = [
    ("course", body(T, "J = alpha * J_content + beta * J_style", "return J"), None),
    ("reordered", body(T, "return J_style * beta + J_content * alpha"), None),
    ("sum", body(T, "return sum([alpha * J_content, beta * J_style])"), None),
    ("swapped", body(T, "return beta * J_content + alpha * J_style"), "alpha-beta-swapped"),
    ("hard-coded", body(T, "return 10 * J_content + 40 * J_style"), "alpha-beta-ignored"),
    (
        "beta=10",
        "def total_cost(J_content, J_style, alpha = 10, beta = 10):\n"
        "    return alpha * J_content + beta * J_style\n",
        "defaults-changed",
    ),
    (
        "squares alpha",
        body(T, "return alpha ** 2 * J_content / 10 + beta * J_style"),
        "wrong-value",
    ),
    ("tf.add", body(T, "return tf.add(alpha * J_content, beta * J_style)"), "not-a-number"),
    (
        "tf.multiply(alpha, ...)",
        body(T, "return tf.multiply(alpha, J_content) + tf.multiply(beta, J_style)"),
        "int-mixed",
    ),
    (
        "nbgrader release",
        body(T, "# YOUR CODE HERE", "raise NotImplementedError()"),
        "not-implemented",
    ),
    ("no return", body(T, "J = alpha * J_content + beta * J_style"), "returned-none"),
    (
        "course template",
        body(
            T, "### START CODE HERE ### (≈1 line)", "J = None", "### END CODE HERE ###", "return J"
        ),
        "not-implemented",
    ),
]

MODEL_NN_COURSE = '''def model_nn(sess, input_image, num_iterations = 200):
    sess.run(tf.global_variables_initializer())
    {assign}
    for i in range(num_iterations):
        {step}
        generated_image = sess.run(model['input'])
        if i % {every} == 0:
            Jt, Jc, Js = sess.run([J, J_content, J_style])
            print("Iteration " + str(i) + " :")
            print("total cost = " + str(Jt))
            print("content cost = " + str(Jc))
            print("style cost = " + str(Js))
            {save}
    save_image('output/generated_image.jpg', generated_image)
    return generated_image
'''


def model_nn(
    assign="sess.run(model['input'].assign(input_image))",
    step="sess.run(train_step)",
    every=20,
    save='save_image("output/" + str(i) + ".png", generated_image)',
):
    return MODEL_NN_COURSE.format(assign=assign, step=step, every=every, save=save)


MODEL_NN = [
    ("course", model_nn(), None),
    (
        "os.path.join",
        model_nn(save="save_image(os.path.join('output', '%d.png' % i), generated_image)"),
        None,
    ),
    ("input never assigned", model_nn(assign="pass"), "input-not-assigned"),
    (
        "input assigned every step",
        model_nn(step="sess.run(model['input'].assign(input_image)); sess.run(train_step)"),
        "input-reassigned",
    ),
    ("no train_step", model_nn(step="pass"), "no-train-step"),
    (
        "no initializer",
        model_nn().replace("sess.run(tf.global_variables_initializer())", "pass"),
        "no-initializer",
    ),
    ("prints every 10", model_nn(every=10), "print-format"),
    (
        "saves nothing",
        model_nn(save="pass").replace(
            "save_image('output/generated_image.jpg', generated_image)", "pass"
        ),
        "missing-files",
    ),
    (
        "num_iterations = 100",
        model_nn().replace("num_iterations = 200", "num_iterations = 100"),
        "defaults-changed",
    ),
    ("no return", model_nn().replace("    return generated_image\n", ""), "returned-none"),
    # raising forms
    (
        "one placeholder left",
        model_nn().replace(
            "generated_image = sess.run(model['input'])",
            "### START CODE HERE ### (1 line)\n        generated_image = None\n"
            "        ### END CODE HERE ###",
        ),
        "not-implemented",
    ),
    (
        ".numpy() on the input",
        model_nn().replace("sess.run(model['input'])", "model['input'].numpy()"),
        "numpy-on-tensor",
    ),
    (
        "returns one image",
        model_nn().replace("return generated_image\n", "return generated_image[0]\n"),
        "wrong-return",
    ),
    (
        "prints rising costs",
        model_nn().replace("str(Jt)", "str(Jt * (i + 1) ** 2)"),
        "cost-not-decreasing",
    ),
    (
        "course template",
        '''def model_nn(sess, input_image, num_iterations = 200):
    ### START CODE HERE ### (1 line)
    None
    ### END CODE HERE ###
    ### START CODE HERE ### (1 line)
    None
    ### END CODE HERE ###
    for i in range(num_iterations):
        ### START CODE HERE ### (1 line)
        None
        ### END CODE HERE ###
        ### START CODE HERE ### (1 line)
        generated_image = None
        ### END CODE HERE ###
        if i%20 == 0:
            Jt, Jc, Js = sess.run([J, J_content, J_style])
            print("Iteration " + str(i) + " :")
            save_image("output/" + str(i) + ".png", generated_image)
    save_image('output/generated_image.jpg', generated_image)
    return generated_image
''',
        "not-implemented",
    ),
]

CORPUS = {C: CONTENT, G: GRAM, S: STYLE, T: TOTAL, "model_nn": MODEL_NN}


#: What a student's Python file starts with (what the notebook's set-up cell gives).
PREAMBLE = (
    "import os\n"
    "import numpy as np\n"
    "import tensorflow.compat.v1 as tf\n"
    "from nst_course import save_image\n"
)


def as_class():
    """The whole corpus as a class of Python files, for ``nst-course grade``.

    Submission k holds entry k of each graded function's list (where the list is that long),
    so the class is as small as the longest list. Returns {student: (source, {name: (label,
    hint_id)})}; the student ids sort in corpus order.
    """
    size = max(len(entries) for entries in CORPUS.values())
    students = {}
    for k in range(size):
        parts, expected = [PREAMBLE], {}
        for name, entries in CORPUS.items():
            if k < len(entries):
                label, source, hint_id = entries[k]
                parts.append(source)
                expected[name] = (label, hint_id)
        students["s%02d" % k] = ("\n\n".join(parts), expected)
    return students
