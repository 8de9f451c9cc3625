# %% [markdown]
# # Week 3 warm-up: the perceptron
#
# Before the digit recognizer, we build the smallest network there is: **one neuron**. It
# scores a point with a weighted sum and answers yes or no. You will teach it the logic gates
# AND, OR and NAND, and then watch it fail on XOR. That failure is the reason networks have
# hidden layers.
#
# ## Where your code goes
#
# You write your code in **`perceptron.py`**: `step`, and the `Perceptron` methods `__init__`,
# `predict`, `update` and `fit`. Each `# TODO` followed by `raise NotImplementedError` marks a
# part to fill in. Keep the names and signatures, because the grader calls them. Until a TODO
# is done, the cells that use it stop with `NotImplementedError`; fill it in, save, and run the
# cell again (`autoreload` picks up your changes).

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from perceptron import Perceptron, step

# %% [markdown]
# ## 1. One neuron draws one straight line
#
# A perceptron with inputs `x = (x1, x2)` computes a **score** and thresholds it:
#
# ```
# z = w1 * x1 + w2 * x2 + b        (for a batch: z = X @ w + b, shape (N,))
# prediction = step(z) = 1 if z >= 0 else 0
# ```
#
# The points where the score is exactly 0, `w1 * x1 + w2 * x2 + b = 0`, form a **straight
# line**: the decision boundary. Points on one side get 1, points on the other side get 0.
#
# * `w` points across the line, towards the side labeled 1. Its length does not move the line;
#   only its direction does.
# * `b` slides the line: a larger `b` makes 1 easier to reach.
# * A score of exactly 0 counts as **1** (`z >= 0`). This matters more than it looks: a new
#   perceptron has all weights at zero, so every score is 0 and it starts by answering 1.
#
# With more inputs the boundary becomes a plane (3 inputs) or a hyperplane, but it stays flat.
# Below, a perceptron with hand-picked weights `w = (1, 1)`, `b = -1.5`: the score reaches 0 only
# when both inputs are 1, which is exactly AND.

# %%
X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])  # the four rows of a truth table
GATES = {"AND": np.array([0, 0, 0, 1]), "OR": np.array([0, 1, 1, 1]),
         "NAND": np.array([1, 1, 1, 0]), "XOR": np.array([0, 1, 1, 0])}
COLORS = np.array(["tab:blue", "tab:orange"])  # label 0, label 1


def plot_boundary(ax, model, X, y, title):
    """Points colored by label, the plane shaded by the model's prediction, and its line w.x + b = 0."""
    grid = np.linspace(-0.5, 1.5, 201)
    g1, g2 = np.meshgrid(grid, grid)
    regions = model.predict(np.column_stack([g1.ravel(), g2.ravel()])).reshape(g1.shape)
    ax.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5], colors=COLORS, alpha=0.15)
    w1, w2 = model.w
    if w2 != 0:
        ax.plot(grid, -(w1 * grid + model.b) / w2, "k-", lw=1.5, label="w.x + b = 0")
    elif w1 != 0:
        ax.axvline(-model.b / w1, color="k", lw=1.5, label="w.x + b = 0")
    ax.scatter(X[:, 0], X[:, 1], c=COLORS[y], s=80, edgecolors="k", zorder=3)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2", title=title, aspect="equal")


hand = Perceptron(2)
hand.w, hand.b = np.array([1.0, 1.0]), -1.5
z = np.linspace(-3, 3, 601)

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(z, step(z), "k-")
left.set(title="step(z): 1 where z >= 0", xlabel="score z", ylabel="prediction")
plot_boundary(right, hand, X, GATES["AND"], "w = (1, 1), b = -1.5 computes AND")
fig.tight_layout()
plt.show()
print("predictions:", hand.predict(X), " AND labels:", GATES["AND"])

# %% [markdown]
# ## 2. The learning rule: move only on mistakes
#
# Instead of picking `w` and `b` by hand, the perceptron finds them one example at a time.
# For an example `x` with label `y` (0 or 1):
#
# ```
# error = y - prediction          # +1, -1 or 0
# w = w + learning_rate * error * x
# b = b + learning_rate * error
# ```
#
# * **error = +1**: the answer should have been 1 but the score was negative. Adding a bit of
#   `x` to `w` raises this example's score by `learning_rate * (x @ x + 1)`, so the line moves
#   towards putting `x` on the 1 side.
# * **error = -1**: the opposite, the score was too high, so `w` moves away from `x`.
# * **error = 0**: the example is already right, and nothing changes.
#
# The error uses the **0/1 prediction**, never the raw score: with `y - score`, even correctly
# classified examples would keep pushing the line around. The bias gets the same update as a
# weight whose input is always 1; forgetting it pins the line through the origin, and then a
# point such as `(0, 0)` always scores 0 and is always predicted 1.
#
# One update by hand: a new perceptron predicts 1 for `x = (1, 1)`, but suppose the label is 0.

# %%
p = Perceptron(2, learning_rate=0.1)
x, y = np.array([1.0, 1.0]), 0
print("before: w =", p.w, " b =", p.b, " prediction =", p.predict(x[np.newaxis, :])[0])
error = p.update(x, y)
print(f"error = {error}  ->  w = {p.w}, b = {p.b:.2f}, score of x now {x @ p.w + p.b:.2f}")
print("same example again, now correct: error =", p.update(x, y), " w unchanged:", p.w)

# %% [markdown]
# ## 3. Training: epochs until a clean pass
#
# `fit` repeats the rule over the whole data set; one pass is an **epoch**. It counts the
# mistakes of each epoch in `errors_` and stops right after the first epoch with **zero**
# mistakes: nothing changed during that epoch, so every later epoch would be identical.
#
# If some straight line separates the two classes, the perceptron is guaranteed to find one
# after a finite number of mistakes (the perceptron convergence theorem). If no line does, it
# never stops correcting itself, and `fit` gives up after `epochs` passes and returns `False`.
#
# Let us train on AND, and on XOR, where the 1s sit on opposite corners. We use
# `learning_rate=0.5`: with 0/1 inputs, every sum then stays exact in floating point. With 0.1,
# a sum such as `0.1 + 0.1 - 0.2` comes out as `3e-17` instead of 0, and for a point that lands
# exactly on the line, rounding would decide its class.

# %%
models, converged = {}, {}
for gate in ("AND", "XOR"):
    models[gate] = Perceptron(2, learning_rate=0.5)
    converged[gate] = models[gate].fit(X, GATES[gate], epochs=30)
    print(f"{gate}: converged = {converged[gate]}, epochs run = {len(models[gate].errors_)}, "
          f"w = {models[gate].w}, b = {models[gate].b:.2f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 3))
for ax, gate in zip(axes, ("AND", "XOR")):
    wrong = int(np.sum(models[gate].predict(X) != GATES[gate]))
    plot_boundary(ax, models[gate], X, GATES[gate], f"{gate}: {wrong} of 4 wrong after training")
fig.tight_layout()
plt.show()

fig, ax = plt.subplots(figsize=(8, 3))
for gate, marker in (("AND", "o"), ("XOR", "s")):
    errors = models[gate].errors_
    ax.plot(range(1, len(errors) + 1), errors, marker=marker, label=gate)
ax.set(title="Mistakes per epoch", xlabel="epoch", ylabel="mistakes (of 4)", ylim=(-0.2, 4.2))
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# AND reaches an epoch without mistakes after a few passes. Its line runs right through `(1, 1)`:
# that point scores exactly 0, which counts as 1. The perceptron stops at the first line that
# gets every point right; it does not look for the line with the widest margin.
#
# On XOR the count never reaches zero: every update that fixes one corner breaks another, for as
# many epochs as we allow.
#
# ## 4. Why no line separates XOR
#
# Suppose some `w1, w2, b` computed XOR. The four rows would require
#
# | input | label | condition on the score |
# |---|---|---|
# | (0, 0) | 0 | `b < 0` |
# | (0, 1) | 1 | `w2 + b >= 0` |
# | (1, 0) | 1 | `w1 + b >= 0` |
# | (1, 1) | 0 | `w1 + w2 + b < 0` |
#
# Add the two middle rows: `w1 + w2 + 2b >= 0`, so `w1 + w2 + b >= -b`. The first row says
# `-b > 0`, so `w1 + w2 + b > 0`, which contradicts the last row. No choice of weights works:
# the two 1s lie on opposite corners, and any line that puts both of them on one side puts at
# least one of the 0s there too. This is not a matter of more epochs or another learning rate.
#
# ## 5. The fix: a hidden layer
#
# XOR means "at least one input is on (OR), but not both (NAND)":
#
# `XOR(x) = AND(OR(x), NAND(x))`
#
# OR and NAND are each one straight line, so a perceptron can learn each of them. Feed their two
# outputs, `h = (OR(x), NAND(x))`, to a third perceptron. In the new coordinates `h`, the four
# inputs land on only three points, and the XOR labels become separable by a line. The two
# first perceptrons form a **hidden layer**: they turn the input into features that make the
# problem linear.
#
# We set the two hidden perceptrons by hand, with lines well clear of the points (`fit` learns
# OR and NAND too, but stops at lines that graze a corner, which makes a cramped picture), and
# let the output perceptron learn from their outputs.

# %%
hidden = {"OR": Perceptron(2), "NAND": Perceptron(2)}
hidden["OR"].w, hidden["OR"].b = np.array([1.0, 1.0]), -0.5      # 1 unless both inputs are 0
hidden["NAND"].w, hidden["NAND"].b = np.array([-1.0, -1.0]), 1.5  # 1 unless both inputs are 1


def hidden_features(points):
    """(N, 2) inputs -> (N, 2) hidden outputs (OR, NAND)."""
    return np.column_stack([hidden["OR"].predict(points), hidden["NAND"].predict(points)]).astype(float)


H = hidden_features(X)
output = Perceptron(2, learning_rate=0.5)
print("hidden features h = (OR, NAND) of the four rows:\n", H)
print("output perceptron trained on h with the XOR labels converged:", output.fit(H, GATES["XOR"]))
print("two-layer predictions:", output.predict(H), " XOR labels:", GATES["XOR"])

grid = np.linspace(-0.5, 1.5, 201)
g1, g2 = np.meshgrid(grid, grid)
regions = output.predict(hidden_features(np.column_stack([g1.ravel(), g2.ravel()]))).reshape(g1.shape)

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
plot_boundary(left, output, H, GATES["XOR"], "hidden space: XOR is now a line")
left.set(xlabel="h1 = OR(x)", ylabel="h2 = NAND(x)")
right.contourf(g1, g2, regions, levels=[-0.5, 0.5, 1.5], colors=COLORS, alpha=0.15)
for gate in ("OR", "NAND"):
    w1, w2 = hidden[gate].w
    right.plot(grid, -(w1 * grid + hidden[gate].b) / w2, "--", lw=1, label=f"{gate} line")
right.scatter(X[:, 0], X[:, 1], c=COLORS[GATES["XOR"]], s=80, edgecolors="k", zorder=3)
right.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="x1", ylabel="x2", aspect="equal",
          title="input space: a band between two lines")
right.legend(loc="upper right", fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Here we chose the hidden features ourselves. A real network has to **learn** them, and the
# perceptron rule cannot do that: it knows the right answer only for the output, and the step
# function is flat everywhere (its slope is 0), so it cannot say how much each hidden unit is to
# blame. The mini-challenge `simple_nn` replaces the step with smooth functions (ReLU in the
# hidden layer, softmax at the output) and trains every layer with gradients: backpropagation.
# Its 64 hidden units learn their own features of the digit images.
#
# ## How you are graded
#
# **Before you submit**, run `pytest` in a terminal in this folder: the visible tests check
# `step`, a first prediction, one update and learning AND.
#
# **After you submit**, hidden checks run on your `perceptron.py` (13 points):
#
# 1. **step**: 1 for scores >= 0 (exactly 0 included), 0 below, as integers of the input's shape.
# 2. **Start and predict**: zero weights and bias; `predict` returns one 0/1 label per row.
# 3. **update**: exact new `w` and `b` after a mistake in each direction (with a learning rate
#    other than the default), the returned error, and no change on a correct example.
# 4. **fit**: learns AND, OR and NAND (returns `True`, all four rows right); on XOR returns
#    `False` with at least one mistake in every epoch; records one count per epoch and stops
#    right after the first clean one. These checks run your `fit` with a correct `update` and
#    `predict`, so a bug in `update` costs points only once.
