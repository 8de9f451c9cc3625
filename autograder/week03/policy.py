"""What the kit's reports need to know of Week 3 beyond its checks (read by ``reporting.class_report``).

Another week says the same in its own ``autograder/<week>/policy.py``; a week
without one has no accuracy run and no reference model in its class report.
"""

#: The check whose saved data holds the trained network's test accuracy, training time and loss per epoch: the
#: class report's accuracy column and loss curves.
ACCURACY_CHECK = "simple_nn::test_accuracy_above_90_percent_on_mnist"
#: The reference model whose confusion matrix on the MNIST test images the class report shows: the solution's
#: module, its class, and the epochs it trains for (as the accuracy check trains a submission).
REFERENCE_MODEL = ("simple_nn", "SimpleNN", 10)
