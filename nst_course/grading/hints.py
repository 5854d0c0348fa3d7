"""The hints: one stable identifier per known mistake, and the sentence a student reads.

Identifiers are stable (graders and tests refer to them); the sentences may be reworded.
``{...}`` fields are filled in by the judge (exception names, values, shapes).
"""

HINTS = {
    # the function did not run (an error's own text is shown below the hint, never as it)
    "not-implemented": "{name} is not implemented yet: replace the None placeholders between "
    "### START CODE HERE ### and ### END CODE HERE ### with your code.",
    "raised": "{name} stopped with an error the checks do not recognise: read the error below "
    "and the line of your code it comes from.",
    "numpy-on-tensor": "{name} used numpy on a graph tensor. Inside the graph use TensorFlow "
    "ops (tf.reshape, tf.transpose, tf.matmul, tf.reduce_sum, tf.square), not np.* or .T.",
    "float64-mixed": "{name} mixed a float64 value into the float32 graph. Write the constant "
    "as a Python float, e.g. 1 / (4 * n_H * n_W * n_C), or cast it to tf.float32.",
    "int-mixed": "{name} mixed an integer (int32) tensor into the float32 graph: a Python int "
    "given to a TensorFlow op (tf.constant(4), tf.multiply(10, J), tf.square(n_C)) becomes "
    "int32. Use Python arithmetic on the numbers (10 * J, n_C**2) or write floats (4.0).",
    "dimension-value": "{name}: get_shape().as_list() already gives Python ints: use n_H, not "
    "n_H.value (TensorFlow 1's Dimension objects are gone).",
    "shape-of-numpy": "{name} took the dimensions from an argument that can be a numpy array "
    "(a_C or a_S come from sess.run): retrieve them from a_G with "
    "a_G.get_shape().as_list().",
    "matmul-no-transpose": "{name}: tf.matmul(A, A) multiplies two (n_C, n_H*n_W) matrices, "
    "whose shapes do not fit: the Gram matrix is A A^T, tf.matmul(A, tf.transpose(A)).",
    "not-unrolled": "{name}: unroll the activations to (n_C, n_H*n_W) before computing the "
    "Gram matrices (reshape to (n_H*n_W, n_C), then transpose); the 4-D (1, n_H, n_W, n_C) "
    "activations are not a matrix.",
    "reshape-size": "{name}: tf.reshape was asked for a shape with another number of entries "
    "than the activations have (n_H*n_W*n_C): unroll to (n_H*n_W, n_C), with n_H*n_W "
    "(height times width), and then transpose.",
    "transpose-perm": "{name}: tf.transpose was given a permutation that does not fit the "
    "tensor: reshape the activations to the 2-D (n_H*n_W, n_C) first, then tf.transpose it "
    "(no perm needed).",
    # only in nst-course grade's sandbox, where gram_matrix is an oracle of the matrices the
    # check expects (the right unrolling and the known wrong ones), not the reference formula
    "unexpected-gram-input": "{name}: gram_matrix was called with a matrix the check did not "
    "expect: check the unrolling (reshape the activations to (n_H*n_W, n_C), then transpose "
    "to (n_C, n_H*n_W)) and that the unrolled activations are what you pass to gram_matrix.",
    "returned-none": "{name} returned None: did you forget the return statement?",
    "not-finite": "{name} returned a value that is not finite (nan or inf) on input {probe}.",
    # what it returned
    "not-a-tensor": "{name} returned a {got} where a graph tensor (tf.Tensor) is expected: build "
    "the cost with TensorFlow ops and do not evaluate it with sess.run or numpy.",
    "not-a-number": "total_cost returned a {got} on plain numbers: write "
    "J = alpha * J_content + beta * J_style with Python arithmetic, which gives "
    "a number on numbers and a tensor on tensors.",
    "not-scalar": "{name} returned a tensor of shape {got}; the cost is a scalar (shape ()): "
    "sum over all entries.",
    "wrong-shape": "{name} returned shape {got}, expected {expected} on input {probe}.",
    # known wrong approaches
    "no-transpose": "{name}: unroll the activations by reshaping to (n_H*n_W, n_C) and THEN "
    "transposing to (n_C, n_H*n_W); reshaping straight to (n_C, n_H*n_W) mixes "
    "pixels and channels.",
    "reshape-then-transpose": "{name}: the unrolled activations must have shape (n_C, n_H*n_W) "
    "(one row per channel): reshape to (n_H*n_W, n_C), then transpose; "
    "yours gives an (n_H*n_W, n_H*n_W) Gram matrix.",
    "gram-transposed": "{name}: the Gram matrix is A A^T (shape (n_C, n_C)), not A^T A: "
    "tf.matmul(A, tf.transpose(A)).",
    "missing-4": "{name}: the value is 4 times too large: the constant in front of the sum has "
    "a factor 4 in its denominator.",
    "reduce-mean": "{name}: tf.reduce_mean divides by the number of entries, which is not the "
    "course's constant: use tf.reduce_sum and multiply by the constant of the "
    "equation.",
    "missing-square-nC": "{name}: the normalisation is 1 / (4 * n_C**2 * (n_H*n_W)**2): n_C "
    "must be squared.",
    "missing-square-nHnW": "{name}: the normalisation is 1 / (4 * n_C**2 * (n_H*n_W)**2): "
    "n_H*n_W must be squared.",
    "wrong-dimensions": "{name}: the value is right on square inputs only: use n_H * n_W (height "
    "times width) in the constant, not n_H * n_H or n_W * n_W.",
    "missing-constant": "{name}: the sum must be multiplied by the constant of the equation "
    "(1 / (4 ...)).",
    "no-square": "{name}: square the differences before summing (tf.square), and do not take "
    "a square root (tf.norm is the square root of the sum of squares).",
    "alpha-beta-swapped": "total_cost: alpha weighs the content cost and beta the style cost: "
    "J = alpha * J_content + beta * J_style.",
    "alpha-beta-ignored": "total_cost: use the alpha and beta arguments; do not write the "
    "numbers 10 and 40 in the formula.",
    "defaults-changed": "{name}: keep the course's default arguments ({expected}); yours are "
    "{got}.",
    # model_nn
    "no-initializer": "model_nn: run the initializer first: "
    "sess.run(tf.global_variables_initializer()).",
    "input-not-assigned": "model_nn: assign the input image to the model before the loop: "
    "sess.run(model['input'].assign(input_image)).",
    "input-reassigned": "model_nn: assign the input image once, before the loop; inside the "
    "loop only run train_step (the image never got further than one step).",
    "no-train-step": "model_nn: run sess.run(train_step) in each iteration: the image did not "
    "change.",
    "print-format": "model_nn: every 20 iterations print the course's lines ('Iteration i :', "
    "'total cost = ...', 'content cost = ...', 'style cost = ...'); printed "
    "iterations {got}, expected {expected}.",
    "missing-files": "model_nn: save output/<i>.png every 20 iterations and "
    "output/generated_image.jpg at the end; missing: {missing}.",
    "cost-not-decreasing": "model_nn: the total cost did not go down ({got}).",
    "wrong-return": "model_nn: return the generated image (a numpy array of shape {expected}); "
    "it returned {got}.",
    # values
    "published-mismatch": "{name}: on the course's example the result is {got}, expected "
    "{expected}.",
    "wrong-value": "{name}: on an input of shape {shape} the result is {got}, expected {expected}.",
}

PASSED = "All tests passed"

#: The line added under a passed verdict when a graded function was judged with the reference
#: version of a graded function it uses (``judging.CALLEES``) and the student's own one fails.
CALLEE_NOTE = (
    "Note: judged with the reference {callees}; yours {fails}: see {callees}, and fix {it} first "
    "({name} uses {it})."
)

#: The indented line under an error's hint: the error itself, as Python gave it.
DETAIL = "    ({error_type}: {error_message})"


def hint(hint_id, **fields):
    """The sentence of ``hint_id`` with its fields filled in (missing fields left as '?')."""

    class _Fields(dict):
        def __missing__(self, key):
            return "?"

    return HINTS[hint_id].format_map(_Fields(fields))
