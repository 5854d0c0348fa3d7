"""The hints: one stable identifier per known mistake, and the sentence a student reads.

Identifiers are stable (graders and tests refer to them); the sentences may be reworded.
``{...}`` fields are filled in by the judge (exception names, values, shapes).
"""

HINTS = {
    # the function did not run
    "not-implemented": "{name} is not implemented yet: replace the None placeholders between "
    "### START CODE HERE ### and ### END CODE HERE ### with your code.",
    "raised": "{name} raised {error_type}: {error_message}",
    "numpy-on-tensor": "{name} used numpy on a graph tensor ({error_type}: {error_message}). "
    "Inside the graph use TensorFlow ops (tf.reshape, tf.transpose, "
    "tf.matmul, tf.reduce_sum, tf.square), not np.*.",
    "float64-mixed": "{name} mixed a float64 value into the float32 graph ({error_type}: "
    "{error_message}). Write the constant as a Python float, e.g. "
    "1 / (4 * n_H * n_W * n_C), or cast it to tf.float32.",
    "shape-of-numpy": "{name} took the dimensions from an argument that can be a numpy array "
    "(a_C or a_S come from sess.run): retrieve them from a_G with "
    "a_G.get_shape().as_list() ({error_type}: {error_message}).",
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
    "sess.run(tf.global_variables_initializer()) ({error_type}: "
    "{error_message}).",
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


def hint(hint_id, **fields):
    """The sentence of ``hint_id`` with its fields filled in (missing fields left as '?')."""

    class _Fields(dict):
        def __missing__(self, key):
            return "?"

    return HINTS[hint_id].format_map(_Fields(fields))
