# %% [markdown]
# # Week 3 exercise: activation functions and their derivatives
#
# A layer computes `z = x @ W + b` and then passes `z` through an **activation function**.
# Without it, two layers would collapse into one: `(x @ W1) @ W2` is just `x @ (W1 @ W2)`,
# still a straight line, however many layers you stack. The activation bends that line, and
# its **derivative** decides how much gradient flows back through the layer during training.
#
# You write both halves, the function and its derivative, for four activations (sigmoid, tanh,
# ReLU, leaky ReLU) and for softmax, the activation of a classifier's output layer.
#
# ## Where your code goes
#
# Your code goes in **`activations.py`**. Every `# TODO` followed by `raise NotImplementedError`
# is yours to fill in. Keep the names and signatures: the grader imports the module and calls them.
# This notebook explains the ideas and runs your functions. A cell stops with `NotImplementedError`
# until you finish the function it uses; fill it in, save, and run the cell again (`autoreload`
# picks up your changes).
#
# Three rules hold for every function (they are in the module docstring too):
#
# * **Same shape and dtype out as in.** A `float32` array of shape `(2, 3)` gives a `float32`
#   array of shape `(2, 3)`. Networks are often trained in float32, and a function that quietly
#   returns float64 doubles the memory of everything after it.
# * **Derivatives are evaluated at `z`**, the input of the activation, not at its output.
# * **sigmoid and softmax never overflow**, not even for `z = 1000` (section 4).

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import warnings

import matplotlib.pyplot as plt
import numpy as np

from activations import (leaky_relu, leaky_relu_derivative, relu, relu_derivative, sigmoid, sigmoid_derivative,
                         softmax, softmax_backward, tanh, tanh_derivative)

# %% [markdown]
# ## 1. Four activations and their slopes
#
# | name | formula | derivative |
# |---|---|---|
# | sigmoid | `s = 1 / (1 + exp(-z))`, between 0 and 1 | `s * (1 - s)` |
# | tanh | `t = tanh(z)`, between -1 and 1 | `1 - t ** 2` |
# | ReLU | `max(z, 0)` | 1 for `z > 0`, 0 for `z < 0` |
# | leaky ReLU | `z` for `z > 0`, `alpha * z` otherwise | 1 for `z > 0`, `alpha` for `z < 0` |
#
# The sigmoid and tanh derivatives are written in terms of the activation's **value** (`s`, `t`):
# once you have computed the activation you get its slope almost for free. The trap is to plug
# `z` into those formulas instead of `s` or `t`: `1 - z ** 2` is a parabola, not the tanh slope.
#
# ReLU has a corner at `z = 0`, where the slope jumps from 0 to 1 and no derivative exists.
# Code still has to return *something* there. Our **convention: at exactly `z == 0` take the
# left slope**, so `relu_derivative(0) = 0` and `leaky_relu_derivative(0) = alpha`. In code:
# test `z > 0`, not `z >= 0`. (Real inputs are almost never exactly 0, so the choice hardly
# matters for training, but the grader checks that you follow the one stated.)
#
# Each column below shows one activation (top) and its derivative (bottom), computed by your
# functions. The leaky ReLU uses `alpha = 0.1` so that its slope on the left is visible.

# %%
z = np.linspace(-6, 6, 601)
pairs = [("sigmoid", sigmoid, sigmoid_derivative), ("tanh", tanh, tanh_derivative),
         ("ReLU", relu, relu_derivative),
         ("leaky ReLU (alpha=0.1)", lambda v: leaky_relu(v, alpha=0.1), lambda v: leaky_relu_derivative(v, alpha=0.1))]

fig, axes = plt.subplots(2, 4, figsize=(10, 4.5), sharex=True)
for column, (name, f, df) in enumerate(pairs):
    axes[0, column].plot(z, f(z), color="tab:blue")
    axes[0, column].set_title(name, fontsize=10)
    axes[1, column].plot(z, df(z), color="tab:orange")
    axes[1, column].set_xlabel("z")
    for ax in axes[:, column]:
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.grid(alpha=0.3)
axes[0, 0].set_ylabel("f(z)")
axes[1, 0].set_ylabel("f'(z)")
fig.tight_layout()
plt.show()

# %% [markdown]
# **Check your derivatives numerically.** A derivative is a slope, and a slope can be measured:
# `(f(z + h) - f(z - h)) / (2 h)` for a small `h`. This *centered difference* is accurate to about
# `h ** 2`, far better than the one-sided `(f(z + h) - f(z)) / h`. For ReLU and leaky ReLU stay
# away from 0: a step across the corner measures a mixture of both slopes. The hidden checks do
# exactly this. A relative error around `1e-9` means your derivative is right; `1e-2` or more
# means a formula is wrong.

# %%
h = 1e-5
smooth = np.linspace(-4, 4, 41)
off_kink = np.concatenate([np.linspace(-3, -0.1, 20), np.linspace(0.1, 3, 20)])

for name, f, df, points in [("sigmoid", sigmoid, sigmoid_derivative, smooth), ("tanh", tanh, tanh_derivative, smooth),
                            ("relu", relu, relu_derivative, off_kink),
                            ("leaky_relu", leaky_relu, leaky_relu_derivative, off_kink)]:
    numeric = (f(points + h) - f(points - h)) / (2 * h)
    error = np.max(np.abs(df(points) - numeric) / np.maximum(1e-8, np.abs(df(points)) + np.abs(numeric)))
    print(f"{name + '_derivative':24s} worst relative error {error:.1e}  {'OK' if error < 1e-6 else '<-- check it'}")

print("at z = 0:", "relu_derivative ->", relu_derivative(np.array([0.0])),
      "| leaky_relu_derivative ->", leaky_relu_derivative(np.array([0.0])))

# %% [markdown]
# ## 2. Saturation: when the slope vanishes
#
# Look at the bottom row again. The sigmoid's slope is at most **0.25** (at `z = 0`), and both the
# sigmoid and the tanh slopes fall to almost 0 once `|z|` is more than a few units. The curve is
# flat there: the unit is **saturated**.
#
# Backpropagation multiplies by this slope at every layer. A saturated unit therefore passes back
# almost no gradient, and the weights feeding it stop learning. In a deep network the factors pile
# up: even in the best case, ten sigmoid layers multiply the gradient by at most `0.25 ** 10`, about
# one millionth. This is the **vanishing gradient** problem, and the reason hidden layers today
# rarely use sigmoid. (tanh is better, with a slope of 1 at the center, but it saturates just the same.)

# %%
for value in (0.0, 2.0, 5.0, 10.0):
    zz = np.array([value])
    print(f"z = {value:4}:  sigmoid' = {sigmoid_derivative(zz)[0]:.2e}   tanh' = {tanh_derivative(zz)[0]:.2e}")

layers = np.arange(1, 11)
fig, ax = plt.subplots(figsize=(8, 3))
ax.semilogy(layers, 0.25 ** layers, marker="o", label="sigmoid, best case (slope 0.25)")
ax.semilogy(layers, float(sigmoid_derivative(np.array([3.0]))[0]) ** layers, marker="o",
            label="sigmoid, every unit at z = 3")
ax.set_xlabel("number of sigmoid layers")
ax.set_ylabel("gradient factor")
ax.set_title("Product of the slopes along one backward path")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ## 3. ReLU, dying units, and the leaky fix
#
# ReLU's slope is exactly 1 for every positive input, however large, so ReLU does not saturate on
# that side. It is also cheap: a comparison instead of an exponential. That is why it is the
# default for hidden layers.
#
# Its weakness is the other side. A unit whose pre-activation is negative for **every** input
# (say, after one big update pushed its bias far down) outputs 0 and has slope 0 everywhere. No
# gradient reaches its weights, so nothing ever pushes it back: the unit is **dead**, and it stays
# dead for the rest of training.
#
# **Leaky ReLU** keeps a small slope `alpha` (0.01 by default) on the negative side. A dead-looking
# unit still receives a little gradient and can recover. The cell below builds one healthy unit and
# one unit with a bias of -10, feeds both 1,000 random inputs, and counts how many inputs would send
# gradient back to the weights.

# %%
rng = np.random.default_rng(0)
x = rng.normal(size=(1000, 5))
w = rng.normal(size=5)

for bias in (0.0, -10.0):
    pre = x @ w + bias
    relu_flow = np.mean(relu_derivative(pre) > 0)
    leaky_flow = np.mean(leaky_relu_derivative(pre) > 0)
    print(f"bias {bias:6}: z in [{pre.min():6.1f}, {pre.max():5.1f}]   inputs passing gradient: "
          f"ReLU {relu_flow:6.1%}   leaky ReLU {leaky_flow:6.1%}")

# %% [markdown]
# With the bias at -10, ReLU passes gradient for none of the inputs: the unit cannot learn its way
# out. Leaky ReLU passes a small gradient (`alpha` times the upstream one) for all of them.
#
# ## 4. The overflow story, and the stable forms
#
# Floating-point numbers have a ceiling. The largest float64 is about `1.8e308`, and
# `ln(1.8e308)` is about 709.8, so `np.exp(710)` is already `inf` (with float32 the ceiling
# is reached at about 88.7). NumPy then warns with a `RuntimeWarning`, and the `inf` usually
# turns into `nan` one step later (`inf / inf`, `0 * inf`), which spreads into every weight.
#
# **Sigmoid.** The textbook form `1 / (1 + exp(-z))` is fine for positive `z`, but at `z = -1000`
# it computes `exp(1000) = inf`. The answer happens to come out right (`1 / inf = 0`), but NumPy
# warns, and the same pattern elsewhere gives `nan`. The fix is to **never exponentiate a positive
# number**. Multiply the top and bottom by `exp(z)` to get the equivalent form `exp(z) / (1 + exp(z))`,
# and use whichever form has a negative exponent:
#
# * `z >= 0`: `1 / (1 + exp(-z))`, where `-z <= 0`
# * `z <  0`: `exp(z) / (1 + exp(z))`, where `z < 0`
#
# Both are `e = exp(-|z|)` in disguise: `1 / (1 + e)` and `e / (1 + e)`. Compute `e` once, then
# choose by the sign of `z`. One trap: `np.where(cond, a, b)` computes **both** `a` and `b` for every
# element before it chooses, so `np.where(z >= 0, 1 / (1 + np.exp(-z)), ...)` still overflows.
# Put only the safe `e` inside.
#
# **Softmax.** `exp(z_k) / sum_j exp(z_j)` overflows for logits around 1000. Subtracting the same
# number `c` from every logit of a row changes nothing, because the factor `exp(-c)` appears in the
# numerator and in the denominator and cancels. With `c` = the row's maximum, the largest exponent is
# `exp(0) = 1`. Very negative entries become `exp(-2000) = 0`, which is harmless (that is underflow,
# and NumPy stays quiet about it). Use each row's **own** maximum: shifting a row near -1000 by the
# maximum of another row near +1000 makes all its exponentials 0, and then `0 / 0 = nan`.

# %%
big = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    naive = 1 / (1 + np.exp(-big))
print("naive sigmoid :", naive, "| warnings:", [str(w.message) for w in caught])

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    stable = sigmoid(big)
print("your sigmoid  :", stable, "| warnings:", [str(w.message) for w in caught])

logits = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    p_big = softmax(logits)
print("your softmax  :", p_big.round(4).tolist(), "| warnings:", [str(w.message) for w in caught])
print("same as softmax([1, 2, 0]):", np.allclose(p_big[0], softmax(np.array([1.0, 2.0, 0.0]))))

# %% [markdown]
# ## 5. What softmax does to a vector of logits
#
# A classifier's last layer produces one score per class, the **logits**: any real numbers, of
# any sign and size. Softmax turns them into a probability distribution: every entry positive,
# the entries summing to 1, and the order kept (the largest logit gets the largest probability).
# Because of the exponential, differences between logits matter, not their absolute values. A
# logit 1 larger means a probability `e = 2.7` times larger, so the top class often gets most of
# the mass. Scaling all logits up sharpens the distribution; scaling them down flattens it.
#
# Your `softmax` works on the **last axis**: a vector `(C,)` is one distribution, and a batch
# `(N, C)` gets one distribution per row. Writing `axis=-1, keepdims=True` makes the same code
# serve both shapes.

# %%
scores = np.array([2.0, 1.0, 0.1, -1.0, 3.0])
classes = np.arange(len(scores))

fig, axes = plt.subplots(1, 3, figsize=(10, 3))
axes[0].bar(classes, scores, color="tab:gray")
axes[0].set_title("logits z")
axes[0].axhline(0, color="black", lw=0.5)
axes[1].bar(classes, softmax(scores), color="tab:blue")
axes[1].set_title(f"softmax(z), sums to {softmax(scores).sum():.3f}")
axes[2].bar(classes - 0.2, softmax(scores / 2), width=0.4, label="softmax(z / 2)")
axes[2].bar(classes + 0.2, softmax(2 * scores), width=0.4, label="softmax(2 z)")
axes[2].set_title("scaled logits")
axes[2].legend(fontsize=8)
for ax in axes:
    ax.set_xticks(classes)
    ax.set_xlabel("class")
fig.tight_layout()
plt.show()

batch = np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0], [-5.0, 5.0, 0.0]])
print("softmax of a (3, 3) batch:\n", softmax(batch).round(3), "\nrow sums:", softmax(batch).sum(axis=-1))

# %% [markdown]
# ## 6. The gradient through softmax
#
# The element-wise activations are easy to backpropagate: each output depends on one input, so
# `dz = dout * f'(z)`. Softmax is different: every `p_k` depends on **every** logit of its row
# (they share the denominator). Its derivative is a `C x C` matrix per row, the Jacobian
#
# `dp_k / dz_j = p_k * ([k == j] - p_j)`,  or  `J = diag(p) - p p^T`.
#
# Backpropagation does not need `J` itself, only its product with the upstream gradient `dp`
# (the *Jacobian-vector product*). `J` is symmetric, so
#
# `dz = J dp = p * dp - p * (p . dp)  =  p * (dp - sum(dp * p))`,
#
# one dot product per row, then element-wise operations: `O(C)` work instead of building a
# `C x C` matrix (`O(C^2)`, and for a batch an `(N, C, C)` array). Read the formula as: each logit
# receives its own upstream gradient, minus the probability-weighted average of all of them,
# scaled by its probability. Adding the same constant to every `dp_k` therefore changes nothing,
# just as adding a constant to every logit does not change `p`.
#
# For a batch, the sum runs over the classes of each row (`axis=-1, keepdims=True`), never over
# the batch: examples do not interact. (When softmax feeds a cross-entropy loss, the combination
# simplifies to `dz = p - one_hot(y)`, as in `simple_nn`; `softmax_backward` is the general case,
# for any loss.) The cell compares your `softmax_backward` with the explicit Jacobian and with
# centered differences.

# %%
z_row = np.array([0.5, -1.0, 2.0, 0.0])
dp = np.array([1.0, -2.0, 0.5, 0.3])
p = softmax(z_row)

jacobian = np.diag(p) - np.outer(p, p)
numeric = np.array([(np.sum(dp * softmax(z_row + h * e)) - np.sum(dp * softmax(z_row - h * e))) / (2 * h)
                    for e in np.eye(len(z_row))])
print("softmax_backward(dp, p):", softmax_backward(dp, p).round(6))
print("J @ dp                 :", (jacobian @ dp).round(6))
print("centered differences    :", numeric.round(6))

batch_dp = np.stack([dp, dp[::-1], np.ones(4)])
batch_p = softmax(np.stack([z_row, -z_row, z_row]))
print("batch (3, 4) ->", softmax_backward(batch_dp, batch_p).shape,
      "| last row (dp all ones) is zero:", np.allclose(softmax_backward(batch_dp, batch_p)[2], 0))

# %% [markdown]
# ## How you are graded
#
# **Before you submit**, run the visible tests in a terminal opened in this folder:
#
# ```
# pytest test_activations.py
# ```
#
# **After you submit**, hidden checks run on your `activations.py` (16 points):
#
# 1. **Values** of sigmoid, tanh, relu, leaky_relu (with the default `alpha` and another one) and
#    softmax match a separate computation on random inputs of both signs, including 0.
# 2. **Derivatives** match centered differences of the activation (away from the corner at 0 for
#    ReLU and leaky ReLU), and the **convention at `z == 0`** holds: 0 for ReLU, `alpha` for leaky ReLU.
# 3. **Stability**: sigmoid at `z = +-1000` and softmax with logits around `+-1000` give finite values
#    and no `RuntimeWarning`.
# 4. **Softmax** works on `(C,)` and `(N, C)`, and every row sums to 1.
# 5. **softmax_backward** matches a numerical gradient, for a vector and for a batch.
# 6. **Shapes and dtypes**: every function returns its input's shape and dtype (float32 stays float32).
#
# A failed check tells you what it expected, what your code returned, and a hint.
