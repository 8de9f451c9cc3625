# %% [markdown]
# # Week 3 exercise: backpropagation by the chain rule
#
# Training a network needs the gradient of the loss with respect to every parameter.
# Backpropagation computes all of them in one backward sweep. Each operation only needs
# to know its own small derivative, and the chain rule multiplies these together.
#
# You write the building blocks in **`backprop.py`**:
#
# | function | what it returns |
# |---|---|
# | `dense_backward(dZ, X, W)` | `dX, dW, db` for a dense layer `Z = X @ W + b` |
# | `relu_backward(dA, Z)`, `sigmoid_backward(dA, Z)` | `dZ` for the two activations |
# | `mse_loss(pred, target)` | the mean squared error and its gradient |
# | `softmax_cross_entropy(logits, y)` | the mean cross-entropy and its gradient |
# | `gradient_check(f, x, h)` | a numerical gradient, to test all of the above |
# | `relative_error(a, b)` | one number saying how far two gradients are apart |
#
# Every `# TODO` followed by `raise NotImplementedError` in `backprop.py` is yours. Until you
# fill one in, the cells below that call it stop with `NotImplementedError`. That is expected:
# complete the TODO, save, and run the cell again (`autoreload` picks up your changes).

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from backprop import (dense_backward, gradient_check, relative_error, relu_backward, sigmoid,
                      sigmoid_backward, softmax_cross_entropy)

# %% [markdown]
# ## 1. The chain rule on a tiny graph, with numbers
#
# Take a single neuron with a squared error. Written as small steps, each step is one node of
# a *computational graph*:
#
# ```
# u = w * x        z = u + b        a = sigmoid(z)        e = a - t        L = e ** 2
# ```
#
# **Forward**: compute the steps left to right and keep every intermediate value.
#
# **Backward**: go right to left. Start with `dL/dL = 1`. At each node, multiply the gradient
# that arrives from the right by the node's own local derivative:
#
# | node | local derivative | gradient arriving at its input |
# |---|---|---|
# | `L = e ** 2` | `dL/de = 2 e` | `dL/de = 1 * 2e` |
# | `e = a - t` | `de/da = 1` | `dL/da = dL/de * 1` |
# | `a = sigmoid(z)` | `da/dz = a (1 - a)` | `dL/dz = dL/da * a (1 - a)` |
# | `z = u + b` | `dz/du = 1`, `dz/db = 1` | `dL/du = dL/db = dL/dz` |
# | `u = w * x` | `du/dw = x`, `du/dx = w` | `dL/dw = dL/du * x`, `dL/dx = dL/du * w` |
#
# Here it is with numbers.

# %%
x, w, b, t = 1.5, -0.8, 0.5, 1.0

# forward, keeping every value
u = w * x
z = u + b
a = 1.0 / (1.0 + np.exp(-z))
e = a - t
L = e ** 2

# backward: upstream gradient times local derivative, node by node
dL = 1.0
de = dL * 2 * e
da = de * 1.0
dz = da * a * (1 - a)
du, db = dz * 1.0, dz * 1.0
dw, dx = du * x, du * w

for name, value in [("u", u), ("z", z), ("a", a), ("e", e), ("L", L)]:
    print(f"forward   {name} = {value: .4f}")
for name, value in [("dL/de", de), ("dL/da", da), ("dL/dz", dz), ("dL/db", db), ("dL/dw", dw), ("dL/dx", dx)]:
    print(f"backward  {name:6s} = {value: .4f}")

# %% [markdown]
# The same graph as a picture. Green numbers flow forward (values), red numbers flow backward
# (gradients). Every red number is the red number to its right times one local derivative.

# %%
fig, ax = plt.subplots(figsize=(8, 3))
box = dict(boxstyle="round,pad=0.4", fc="#dde6f3", ec="#3b5b8c")
nodes = [("w * x", 1.0), ("+ b", 2.6), ("sigmoid", 4.2), ("- t", 5.8), ("square", 7.4)]
for label, pos in nodes:
    ax.text(pos, 0, label, ha="center", va="center", fontsize=9, bbox=box)
edges = [(1.0, 2.6, "u", u, du), (2.6, 4.2, "z", z, dz), (4.2, 5.8, "a", a, da), (5.8, 7.4, "e", e, de),
         (7.4, 8.9, "L", L, dL)]
for start, end, name, value, grad in edges:
    ax.annotate("", xy=(end - 0.45, 0), xytext=(start + 0.45, 0), arrowprops=dict(arrowstyle="->"))
    middle = (start + end) / 2 + 0.05
    ax.text(middle, 0.17, f"{name} = {value:.3f}", color="green", ha="center", va="bottom", fontsize=8)
    ax.text(middle, -0.17, f"{grad:.3f}", color="crimson", ha="center", va="top", fontsize=8)
for name, value, grad, xy, text_xy in [("w", w, dw, (0.75, 0.15), (0.0, 0.7)), ("x", x, dx, (0.75, -0.15), (0.0, -0.7)),
                                       ("b", b, db, (2.6, 0.2), (2.0, 0.8)), ("t", t, -de, (5.8, 0.2), (5.2, 0.8))]:
    ax.annotate("", xy=xy, xytext=text_xy, arrowprops=dict(arrowstyle="->", color="gray", shrinkA=12))
    ax.text(text_xy[0], text_xy[1] + 0.04, f"{name} = {value:g}", color="green", ha="center", va="bottom", fontsize=8)
    ax.text(text_xy[0], text_xy[1] - 0.04, f"{grad:.3f}", color="crimson", ha="center", va="top", fontsize=8)
ax.set_xlim(-0.5, 9.1)
ax.set_ylim(-1.0, 1.05)
ax.axis("off")
ax.set_title("forward values (green) and gradients dL/d(.) (red)", fontsize=10)
plt.show()


# %% [markdown]
# **Never trust a gradient you have not checked.** Nudge `w` a little in both directions and
# measure how much `L` moves. The slope should match `dL/dw`.

# %%
def loss_of(w_value):
    a_value = 1.0 / (1.0 + np.exp(-(w_value * x + b)))
    return (a_value - t) ** 2


eps = 1e-5
slope = (loss_of(w + eps) - loss_of(w - eps)) / (2 * eps)
print(f"chain rule dL/dw = {dw:.10f}\nnumerical  slope = {slope:.10f}")

# %% [markdown]
# ## 2. The local-gradient picture: upstream times local
#
# A node never needs to know about the rest of the graph. In the backward pass it receives one
# array, the **upstream gradient** (`dA`: how the loss changes with the node's output), and
# returns **upstream x local** for each of its inputs. That is the whole contract of every
# `*_backward` function in `backprop.py`.
#
# Some nodes have a simple pattern, which is worth learning by heart:
#
# * **add** (`z = u + b`): local derivative 1, so it *copies* the upstream gradient to both inputs.
# * **multiply** (`u = w * x`): each input gets the upstream gradient times the *other* input.
# * **ReLU**: it *routes* the gradient. It passes through where the input was positive and is
#   blocked (0) elsewhere. The mask comes from the forward input `Z`, never from `dA`.
# * **sigmoid**: it *scales* the gradient by `s (1 - s)`, where `s = sigmoid(Z)` is the node's
#   output. This factor is at most 0.25 and almost 0 when `|Z|` is large (a *saturated* unit).
# * **a value used in several places** (fan-out): the gradients from all uses *add up*.
#
# With `dA = 1` everywhere, a backward function returns its local derivative. The plot below
# uses your `relu_backward` and `sigmoid_backward` that way.

# %%
grid = np.linspace(-6, 6, 401)
ones = np.ones_like(grid)

fig, axes = plt.subplots(1, 2, figsize=(8, 3))
axes[0].plot(grid, np.maximum(grid, 0), label="relu(z)")
axes[0].plot(grid, relu_backward(ones, grid), label="relu_backward(1, z)")
axes[1].plot(grid, sigmoid(grid), label="sigmoid(z)")
axes[1].plot(grid, sigmoid_backward(ones, grid), label="sigmoid_backward(1, z)")
for ax in axes:
    ax.set_xlabel("z")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
fig.suptitle("activations and their local derivatives (from your backward functions)", fontsize=10)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 3. Shapes of each gradient: the dense layer
#
# For a batch, a dense layer computes `Z = X @ W + b` with `X (N, D)`, `W (D, H)`, `b (1, H)`
# and `Z (N, H)`. Its backward receives `dZ (N, H)`. One rule fixes almost every formula:
#
# > **A gradient has the shape of the value it belongs to.**
#
# There is only one way to multiply `dZ` with `W` or `X` to get the right shape:
#
# | gradient | shape it must have | the only product that gives it |
# |---|---|---|
# | `dX` | (N, D) | `dZ @ W.T`: (N, H) @ (H, D) |
# | `dW` | (D, H) | `X.T @ dZ`: (D, N) @ (N, H) |
# | `db` | (1, H) | `dZ` summed over the batch, `axis=0, keepdims=True` |
#
# * `X.T @ dZ` sums over the batch for you: the inner index of the product runs over the N examples.
# * `b` was *broadcast*: the same bias was added to all N rows (a fan-out), so its gradient is the
#   **sum** of the N rows of `dZ`.
# * **Where does the 1/N go?** Averaging happens in the loss, and only there. `mse_loss` and
#   `softmax_cross_entropy` return gradients that already carry the mean's 1/N. The layers add up
#   what arrives and never divide again. Dividing in both places would make the gradients N times
#   too small.
#
# Shape bugs are the most common bugs in backprop. When something breaks, print `.shape`.

# %%
rng = np.random.default_rng(0)
N, D, H = 5, 3, 4
X, W = rng.normal(size=(N, D)), rng.normal(size=(D, H))
dZ = rng.normal(size=(N, H))
dX, dW, db = dense_backward(dZ, X, W)
for name, grad, value in [("dX", dX, X), ("dW", dW, W), ("db", db, np.zeros((1, H)))]:
    print(f"{name}: shape {grad.shape}  (its value has shape {value.shape})")

# %% [markdown]
# ## 4. Losses start the backward pass
#
# A loss returns its value *and* the gradient of that value with respect to its input. That
# gradient is the first upstream gradient of the backward sweep.
#
# **Mean squared error.** `loss = mean((pred - target) ** 2)`, where the mean runs over **all**
# elements (batch and outputs alike). Each element contributes `2 (pred - target)`, and the mean
# divides that by the number of elements: `dpred = 2 (pred - target) / pred.size`.
#
# **Softmax cross-entropy.** `loss = mean over the batch of -log softmax(logits)[i, y_i]`. Its
# gradient is famously simple: `dlogits = (softmax(logits) - one_hot(y)) / N`, "prediction minus
# target", divided by N for the mean.
#
# Cross-entropy must survive extreme logits. `np.exp(1000)` is `inf`. Two tricks fix that:
#
# * **max shift**: subtracting a row's maximum from its logits changes no probability, and the
#   largest exponent becomes `exp(0) = 1`;
# * **log-sum-exp**: compute the log-probability directly, as
#   `shifted - log(sum(exp(shifted)))`. Do not take `log(softmax)`: a probability like `exp(-2000)`
#   rounds to 0, and `log(0) = -inf`, although the true loss is a perfectly finite 2000.

# %%
logits = np.array([[0.0, -1000.0, 1000.0]])
label = np.array([1])

with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
    naive = -np.log(np.exp(logits) / np.exp(logits).sum())[0, 1]
    shifted = logits - logits.max()
    probs = np.exp(shifted) / np.exp(shifted).sum()
    log_of_softmax = -np.log(probs)[0, 1]

loss, dlogits = softmax_cross_entropy(logits, label)
print("no tricks           :", naive)
print("max shift, log(p)   :", log_of_softmax)
print("your implementation :", loss, "  gradient", dlogits)

# %% [markdown]
# ## 5. A worked gradient check
#
# A numerical gradient needs nothing but the loss itself. Change one entry of a parameter by
# `+h` and by `-h`, evaluate the loss each time, and divide the difference by `2h`. Do this for
# every entry. That is your `gradient_check(f, x, h)`. It changes `x` **in place**, because `f`
# reads `x`, and it puts every entry back exactly.
#
# To compare two gradients, use the **relative error**
# `max |a - b| / max(1e-8, |a| + |b|)`. It does not care about the scale of the gradient. The
# floor `1e-8` keeps two zeros from giving `0 / 0`. In float64, a correct gradient usually
# gives `1e-7` or less. Values around `1e-2` and above mean a bug.
#
# Below, a small network `dense -> ReLU -> dense -> softmax cross-entropy`, built from your
# functions, is checked parameter by parameter. Then we check a **buggy** backward pass. It
# forgets the ReLU mask and averages `db2` instead of summing it.

# %%
check_rng = np.random.default_rng(3)
Xs, ys = check_rng.normal(size=(6, 4)), check_rng.integers(0, 3, size=6)
params = {"W1": check_rng.normal(size=(4, 5)), "b1": check_rng.normal(size=(1, 5)),
          "W2": check_rng.normal(size=(5, 3)), "b2": check_rng.normal(size=(1, 3))}


def network_loss():
    Z1 = Xs @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    return softmax_cross_entropy(A1 @ params["W2"] + params["b2"], ys)[0]


def network_gradients(buggy=False):
    Z1 = Xs @ params["W1"] + params["b1"]
    A1 = np.maximum(Z1, 0)
    _, dZ2 = softmax_cross_entropy(A1 @ params["W2"] + params["b2"], ys)
    dA1, dW2, db2 = dense_backward(dZ2, A1, params["W2"])
    dZ1 = dA1 if buggy else relu_backward(dA1, Z1)
    _, dW1, db1 = dense_backward(dZ1, Xs, params["W1"])
    if buggy:
        db2 = db2 / len(Xs)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


errors = {"correct backward": [], "buggy backward": []}
for name in params:
    numerical = gradient_check(network_loss, params[name])
    errors["correct backward"].append(relative_error(network_gradients()[name], numerical))
    errors["buggy backward"].append(relative_error(network_gradients(buggy=True)[name], numerical))
for label_text, values in errors.items():
    print(f"{label_text:17s}", "  ".join(f"{n}: {v:.1e}" for n, v in zip(params, values)))

# %%
fig, ax = plt.subplots(figsize=(8, 3))
positions = np.arange(len(params))
for offset, (label_text, values) in zip((-0.2, 0.2), errors.items()):
    ax.bar(positions + offset, np.maximum(values, 1e-16), width=0.4, label=label_text)
ax.axhline(1e-7, color="green", linestyle="--", linewidth=1, label="1e-7: fine in float64")
ax.axhline(1e-2, color="crimson", linestyle="--", linewidth=1, label="1e-2: a bug")
ax.set_yscale("log")
ax.set_xticks(positions, list(params))
ax.set_ylabel("relative error")
ax.set_title("analytic vs numerical gradient, per parameter", fontsize=10)
ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1, 0.5))
fig.tight_layout()
plt.show()

# %% [markdown]
# Reading the chart: the missing ReLU mask shows up in `W1` and `b1` (the layer before the ReLU),
# and the averaged `db2` only in `b2`. A gradient check does more than say "wrong". It tells you
# *which* parameter is wrong, and therefore where to look.
#
# One caveat: ReLU has a kink at 0. If some `Z1` lies within `h` of 0, the numerical slope
# straddles the kink and disagrees with the analytic one, even when the code is right. The
# graders keep every `|Z| >= 0.05` for that reason.

# %% [markdown]
# ## 6. Why float64, and why centered differences
#
# The numerical gradient has two sources of error, and they pull `h` in opposite directions:
#
# * **Truncation**: a finite `h` is not a derivative. For the one-sided difference
#   `(f(x + h) - f(x)) / h`, the error is about `f''(x) h / 2`, which is **O(h)**. The centered
#   difference `(f(x + h) - f(x - h)) / (2h)` cancels that term, leaving **O(h^2)**.
# * **Round-off**: `f(x + h)` and `f(x - h)` are almost equal, so their difference loses digits.
#   The error is about `eps * |f| / h`, and it *grows* as `h` shrinks. `eps` is the machine
#   precision: `2.2e-16` in float64, `1.2e-7` in float32.
#
# Together they make a **V** on a log-log plot. The curve falls with slope 1 (one-sided) or 2
# (centered) while truncation dominates, then rises with slope -1 once round-off takes over.
# The plot below uses `f(x) = exp(x)` at `x = 1`, whose derivative we know exactly.

# %%
steps = np.logspace(-13, -1, 61)


def derivative_error(h, dtype, centered):
    point, h = dtype(1.0), dtype(h)
    if centered:
        estimate = (np.exp(point + h) - np.exp(point - h)) / (dtype(2) * h)
    else:
        estimate = (np.exp(point + h) - np.exp(point)) / h
    return max(abs(float(estimate) - np.e) / np.e, 1e-17)


fig, ax = plt.subplots(figsize=(8, 3))
for dtype, centered, style in [(np.float64, False, "C0--"), (np.float64, True, "C0-"), (np.float32, True, "C1-")]:
    kind = "centered" if centered else "one-sided"
    ax.loglog(steps, [derivative_error(h, dtype, centered) for h in steps], style,
              label=f"{kind}, {np.dtype(dtype).name}")
ax.axvline(1e-5, color="gray", linestyle=":", label="h = 1e-5 (the graders)")
ax.set_xlabel("step h")
ax.set_ylabel("relative error of f'(1)")
ax.set_title("truncation (right side) vs round-off (left side)", fontsize=10)
ax.legend(fontsize=8)
ax.grid(alpha=0.3, which="both")
plt.show()

# %% [markdown]
# What the plot tells you:
#
# * The best `h` balances the two errors. For centered differences in float64 that is about
#   `eps^(1/3) ~ 1e-5`, with an error near `1e-11`. The one-sided difference cannot get below
#   about `1e-8` (best `h ~ sqrt(eps) ~ 1e-8`).
# * In **float32** the round-off is about 5 x 10^8 times larger. The best centered error is only about
#   `1e-5`, so a correct gradient cannot be told apart from a slightly wrong one. That is why
#   gradient checks run in float64.
# * Smaller `h` is *not* always better: below `1e-8`, the estimate gets worse again.
#
# Your own `gradient_check` shows the O(h) vs O(h^2) difference directly. For `f = sum(x ** 3)`,
# the centered estimate is `3x^2 + h^2` exactly, while a one-sided one would be `3x^2 + 3xh + h^2`.

# %%
xs = np.array([1.0, 1.2])
for h in (1e-1, 1e-2, 1e-3):
    estimate = gradient_check(lambda: float(np.sum(xs ** 3)), xs, h=h)
    print(f"h = {h:g}: relative error vs 3 x^2 = {relative_error(estimate, 3 * xs ** 2):.1e}")

# %% [markdown]
# ## How you are graded
#
# **Before you submit**, run the visible tests in a terminal opened in this folder: `pytest`.
#
# **After you submit**, hidden checks (18 points) run on your `backprop.py`:
#
# 1. **Dense layer**: the shapes of `dX`, `dW`, `db`, and each of them against a numerical
#    gradient on several random shapes (N, D, H), including N = 1 and D = H.
# 2. **Activations**: `relu_backward` and `sigmoid_backward` against numerical gradients
#    (inputs kept away from ReLU's kink).
# 3. **Losses**: the values of `mse_loss` and `softmax_cross_entropy`, their gradients against
#    numerical gradients, and cross-entropy with logits of +-1000 (finite and correct, no warnings).
# 4. **gradient_check**: agrees with the grader's own estimate on 1-D and 2-D arrays, leaves `x`
#    exactly as it was, is centered (an O(h^2) error at `h=1e-3`), and uses the `h` it is given.
# 5. **relative_error**: on hand-made values, including two zeros (0, not `nan`).
#
# Everything is checked in float64 with stated tolerances. The docstrings in `backprop.py` list
# the conventions the checks rely on: what is averaged, what is summed, and the shapes.
