"""TensorFlow, switched to TF1 graph mode as the course's code expects.

Every module of the package that builds graphs imports TensorFlow from here, so the switch
(``tf.compat.v1.disable_eager_execution()``) happens before any graph is built, however the
package is entered.
"""

import tensorflow as tf

tf.compat.v1.disable_eager_execution()

tf1 = tf.compat.v1
