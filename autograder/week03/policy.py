"""What the kit needs to know of Week 3 beyond its checks: the rubric a TA grades by hand, and what the class
report shows (read through ``grading.checklist.week_policy``).

Another week says the same in its own ``autograder/<week>/policy.py``; a week
without one has no rubric, no accuracy run and no reference model in its class
report.
"""

from autograder.results import RubricPart

#: What a TA grades by hand in formgrader, because no check can: the mini-challenge's "code is clean and
#: commented". Each part is a task cell of its module's notebook, worth its points in nbgrader's maximum; after
#: autograde, the TA sees the student's ``.py`` source and the kit's style notes beside it (which never score).
#: Change the points or the criteria here (then ``make assignments`` and ``make release``); ``RUBRIC = ()`` has
#: no part graded by hand.
RUBRIC = (
    RubricPart(
        module="simple_nn", name="clean_code", title="Code is clean and commented", points=5,
        criteria=("every function and class has a docstring that says what it does, with the shapes of its arrays",
                  "comments explain why (a choice, a formula), not what each line repeats",
                  "clear names; no dead code, no leftover TODOs or debugging prints",
                  "no copy-pasted blocks: repeated steps are a function or a loop")),
)

#: The check whose saved data holds the trained network's test accuracy, training time and loss per epoch: the
#: class report's accuracy column and loss curves.
ACCURACY_CHECK = "simple_nn::test_accuracy_above_90_percent_on_mnist"
#: The reference model whose confusion matrix on the MNIST test images the class report shows: the solution's
#: module, its class, and the epochs it trains for (as the accuracy check trains a submission).
REFERENCE_MODEL = ("simple_nn", "SimpleNN", 10)
