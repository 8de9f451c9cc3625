# %% [markdown]
# # Week 3: forward propagation, and what to keep for later
#
# A neural network turns an input into an output layer by layer: multiply by a weight matrix,
# add a bias, apply an activation, repeat. That is the **forward pass**. While it runs, we keep
# every intermediate value in a **cache**, because the backward pass (next exercise) needs them.
#
# ## Where your code goes
#
# You write your code in **`forward_prop.py`**, not in this notebook. Each `# TODO` followed by
# `raise NotImplementedError` is a part for you:
#
# | function | what it does |
# |---|---|
# | `dense_forward(X, W, b)` | one layer: `X @ W + b` |
# | `activate(z, name)` | relu, sigmoid, tanh, softmax or identity, chosen by name |
# | `two_layer_forward(X, params, hidden, output)` | the whole network; returns `(out, cache)` |
# | `quiz_answer()` | the output of **your** quiz network, computed by hand (section 5) |
#
# Keep the names and signatures: the grader imports your module and calls them. Until you
# finish a TODO, the cells that use it stop with `NotImplementedError`. That is expected: fill it
# in, save, and run the cell again (`autoreload` picks up your changes without a restart).

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from forward_prop import activate, dense_forward, mlp_quiz, my_student_id, quiz_answer, two_layer_forward

# %% [markdown]
# ## 1. One dense layer
#
# A dense layer gives each of its `H` units a weighted sum of all `D` inputs, plus the unit's own
# bias. Store one example per **row** of `X`, and the whole batch goes through in one product:
#
# | array | shape | meaning |
# |---|---|---|
# | `X` | (N, D) | N examples, D features each |
# | `W` | (D, H) | column `j` holds the weights of unit `j` |
# | `b` | (1, H) | one bias per unit |
# | `Z = X @ W + b` | (N, H) | row `i`: the H pre-activations of example `i` |
#
# `X @ W` is (N, H). Adding `b`, which is (1, H), relies on **broadcasting**: NumPy repeats the
# single row for all N examples. The inner sizes must match, `(N, D) @ (D, H)`; if you get a
# "mismatch in its core dimension" error, print the shapes and compare with this table.
#
# The cell below checks that the batch product gives the same rows as handling one example at a time.

# %%
X = np.array([[1.0, 2.0, 0.0],
              [0.0, -1.0, 3.0]])          # N = 2 examples, D = 3 features
W = np.array([[0.5, -1.0],
              [1.0, 0.0],
              [-0.5, 2.0]])               # D = 3 inputs, H = 2 units
b = np.array([[0.1, -0.2]])              # (1, H)

Z = dense_forward(X, W, b)
print("Z =\n", Z, "\nshape", Z.shape)

one_at_a_time = np.vstack([X[i] @ W + b[0] for i in range(len(X))])
print("same as one example at a time:", np.allclose(Z, one_at_a_time))

# %% [markdown]
# ## 2. Activations
#
# Without an activation, two layers collapse into one: `(X W1) W2 = X (W1 W2)` is still a single
# linear map. An activation bends each unit's output, and that is what lets the network learn
# curved decision boundaries.
#
# * **relu** `max(z, 0)`: zero for negative inputs, the identity otherwise. The usual choice for hidden layers.
# * **sigmoid** `1 / (1 + exp(-z))`: squashes into (0, 1). Good for an output that is a probability of "yes".
# * **tanh**: like sigmoid but into (-1, 1), centered at 0.
# * **softmax** (output only): turns a whole row of scores into probabilities that sum to 1.
#   Work **per row** (one row = one example): subtract the row's maximum before `np.exp`, which
#   changes nothing mathematically but keeps `exp` from overflowing, then divide by the row sum
#   (`axis=1, keepdims=True`).
# * **identity**: no change, for outputs that are plain numbers (regression).
#
# The plot uses your `activate`.

# %%
z = np.linspace(-4, 4, 200).reshape(-1, 1)
fig, axes = plt.subplots(1, 3, figsize=(8, 3), sharey=True)
for ax, name in zip(axes, ("relu", "sigmoid", "tanh")):
    ax.plot(z[:, 0], activate(z, name)[:, 0])
    ax.axhline(0, color="gray", lw=0.5)
    ax.axvline(0, color="gray", lw=0.5)
    ax.set_title(name)
    ax.set_xlabel("z")
axes[0].set_ylim(-1.5, 2.5)
fig.tight_layout()
plt.show()

scores = np.array([[2.0, 1.0, 0.1],
                   [1000.0, 1001.0, 1002.0]])   # the second row would overflow without the max shift
probs = activate(scores, "softmax")
print("softmax per row:\n", np.round(probs, 4), "\nrow sums:", probs.sum(axis=1))

# %% [markdown]
# ## 3. The forward pass, step by step
#
# A two-layer network chains two dense layers, each followed by its activation:
#
# ```
#  X (N, D) --W1, b1--> z1 (N, H) --hidden--> a1 (N, H) --W2, b2--> z2 (N, C) --output--> a2 (N, C)
# ```
#
# We name the values before an activation `z` (pre-activations) and after it `a` (activations).
# Below, a tiny network (D = 3 inputs, H = 4 hidden units, C = 2 outputs) runs on the two examples
# of section 1, one step at a time, with every intermediate value printed.

# %%
rng = np.random.default_rng(2)
params = {"W1": np.round(rng.normal(size=(3, 4)), 1), "b1": np.round(rng.normal(size=(1, 4)), 1),
          "W2": np.round(rng.normal(size=(4, 2)), 1), "b2": np.round(rng.normal(size=(1, 2)), 1)}

z1 = dense_forward(X, params["W1"], params["b1"])
a1 = activate(z1, "relu")
z2 = dense_forward(a1, params["W2"], params["b2"])
a2 = activate(z2, "softmax")
for name, value in (("z1 = X @ W1 + b1", z1), ("a1 = relu(z1)", a1),
                    ("z2 = a1 @ W2 + b2", z2), ("a2 = softmax(z2)", a2)):
    print(f"{name}:\n{np.round(value, 3)}\n")

# %% [markdown]
# Negative entries of `z1` became 0 in `a1`: those hidden units are "off" for that example.
# Now the same network through your `two_layer_forward`. Its cache should hold exactly the
# values above. The shapes follow the diagram:

# %%
out, cache = two_layer_forward(X, params, hidden="relu", output="softmax")

print(f"{'value':<6}{'shape':<10}{'same as step by step'}")
for name, mine in (("z1", z1), ("a1", a1), ("z2", z2), ("a2", a2)):
    print(f"{name:<6}{str(cache[name].shape):<10}{np.allclose(cache[name], mine)}")
print("out is a2:", np.array_equal(out, cache["a2"]))

# %% [markdown]
# ## 4. Why we cache z and a
#
# Training needs the gradient of the loss with respect to every weight, and the chain rule
# builds it from the values of the forward pass. The backward pass of this network reads:
#
# | step backwards | formula | needs from the forward pass |
# |---|---|---|
# | gradient of W2 | `dW2 = a1.T @ dz2` | `a1` |
# | back into the hidden layer | `da1 = dz2 @ W2.T` | (only the weights) |
# | through a ReLU | `dz1 = da1 * (z1 > 0)` | `z1`: which units were on |
# | through a sigmoid | `dz1 = da1 * a1 * (1 - a1)` | `a1`: the slope comes from the output |
# | gradient of W1 | `dW1 = X.T @ dz1` | `X` |
#
# So backprop needs both the value **before** an activation (its slope depends on it) and the
# value **after** it (the next layer's weight gradient uses it). Storing them costs memory, one
# array per layer, but recomputing them would cost a second forward pass. This is why training a
# large network needs much more memory than only running it.
#
# A common bug is to store the wrong one: `cache["a1"] = z1`. The forward output is still right,
# so nothing looks broken, until the gradients come out wrong. Here is the ReLU mask backprop
# will read from your cache:

# %%
print("z1 > 0 (units that pass gradient back):\n", cache["z1"] > 0)

# %% [markdown]
# ## 5. Your quiz: compute an MLP's output by hand
#
# Every student gets a **different** small network: `mlp_quiz(student_id)` derives its numbers
# from your id. The cell below shows yours: 3 inputs, 2 hidden units with ReLU, 2 outputs with a
# **sigmoid** on each.

# %%
me = my_student_id()
quiz = mlp_quiz(me)
print(f"quiz for student id {me!r}  (hidden: {quiz['hidden']}, output: {quiz['output']})\n")
for name in ("x", "W1", "b1", "W2", "b2"):
    print(f"{name} =\n{quiz[name].astype(int)}\n")


# %%
def draw_network(quiz, gap=2.5):
    """Inputs, hidden units and outputs as circles; each line carries its weight, each unit its bias."""
    layers = [quiz["x"].shape[1], quiz["W1"].shape[1], quiz["W2"].shape[1]]
    pos = [[(gap * col, (n - 1) / 2 - i) for i in range(n)] for col, n in enumerate(layers)]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for col, W in enumerate((quiz["W1"], quiz["W2"])):
        for i, (x0, y0) in enumerate(pos[col]):
            for j, (x1, y1) in enumerate(pos[col + 1]):
                ax.plot([x0, x1], [y0, y1], color="gray", lw=0.8, zorder=1)
                ax.text(x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0), f"{W[i, j]:g}", fontsize=10,
                        ha="center", va="center", bbox=dict(fc="white", ec="none", pad=0.5))
    labels = [[f"x{i + 1} = {v:g}" for i, v in enumerate(quiz["x"][0])],
              [f"h{j + 1}\nb = {v:g}" for j, v in enumerate(quiz["b1"][0])],
              [f"out{k + 1}\nb = {v:g}" for k, v in enumerate(quiz["b2"][0])]]
    for col, title in enumerate(("input x", "ReLU", "sigmoid")):
        ax.text(gap * col, 1.55, title, ha="center", fontweight="bold")
        for (x, y), text in zip(pos[col], labels[col]):
            ax.add_patch(plt.Circle((x, y), 0.38, fc="white", ec="black", zorder=2))
            ax.text(x, y, text, ha="center", va="center", fontsize=9, zorder=3)
    ax.set_xlim(-0.6, 2 * gap + 0.6)
    ax.set_ylim(-1.5, 1.8)
    ax.set_aspect("equal")
    ax.axis("off")
    plt.show()


draw_network(quiz)

# %% [markdown]
# **Your task.** With pen and paper (and a calculator for `exp`), compute the network's two outputs:
#
# 1. `z1 = x W1 + b1`: for hidden unit `j`, multiply each input by the weight on its arrow into `j`,
#    add them up, add `b1[j]`.
# 2. `a1 = relu(z1)`: negative values become 0.
# 3. `z2 = a1 W2 + b2`, the same way for the two outputs.
# 4. `a2 = sigmoid(z2) = 1 / (1 + e^(-z2))`, for each output separately (not a softmax).
#
# Then write your two numbers (2 decimals are enough) in `quiz_answer()` in `forward_prop.py`:
# `answer = [0.12, 0.87]`, with your values. Do it by hand first: that is the skill the quiz
# practices. Afterwards, check it against your own `two_layer_forward`:

# %%
out, quiz_cache = two_layer_forward(quiz["x"], quiz, hidden=quiz["hidden"], output=quiz["output"])
answer = np.asarray(quiz_answer(), dtype=float)
print("two_layer_forward on your quiz:", np.round(out[0], 4))
print("your quiz_answer():            ", answer)
print("they agree within 0.01:", bool(np.all(np.abs(answer - out[0]) <= 0.01)))

# %% [markdown]
# If they disagree, one of the two is wrong: redo the hand computation step by step and compare
# with `quiz_cache["z1"]`, `quiz_cache["a1"]`, ... from the cache.
#
# **Sharing answers does not work.** The grader rebuilds the quiz from the id nbgrader gives your
# submission (`my_student_id()` prints the same id when you run this notebook on the course's
# JupyterHub) and checks `quiz_answer()` against that network. A classmate's numbers belong to a
# different network.
#
# ## How you are graded
#
# **Before you submit**, run the visible tests in a terminal opened in this folder: `pytest`.
#
# **After you submit**, hidden checks run on your `forward_prop.py` (15 points):
#
# 1. **`dense_forward`**: the shape for several batch sizes, and the values of `X @ W + b` (3 points).
# 2. **`two_layer_forward` output**: each hidden activation, each output activation, all 9 pairs and
#    the defaults (relu, softmax), and softmax rows that sum to 1, even for a batch of one (6 points).
# 3. **The cache**: the keys `z1`, `a1`, `z2`, `a2`, their shapes, and their values, each before or
#    after its activation as the name says (3 points).
# 4. **Unknown names**: an activation name that does not exist raises `ValueError`, and the message
#    lists the valid names (1 point).
# 5. **Your quiz**: `quiz_answer()` is within 0.01 of your own quiz network's output (2 points).
#
# For these checks, `two_layer_forward` runs with a correct `dense_forward`, so a mistake in
# `dense_forward` costs its points only once. Every failure says what was expected, what came
# back, and a hint.
