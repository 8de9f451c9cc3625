# %% [markdown]
# # Week 3 mini-challenge: build your own digit recognizer
#
# This week you write a complete neural network with nothing but NumPy and train it
# to read handwritten digits (MNIST: 28x28 gray-scale images, labels 0-9).
#
# | | |
# |---|---|
# | **Network** | `SimpleNN`: 784 inputs -> 64 hidden units (ReLU) -> 10 outputs (softmax) |
# | **Loss** | mean cross-entropy over a mini-batch |
# | **Optimizer** | mini-batch SGD with momentum |
# | **Goal** | more than **90 %** accuracy on the 10,000 test images |
#
# ## Where your code goes
#
# You write your code in **`simple_nn.py`**, not in this notebook. Every `# TODO` followed
# by `raise NotImplementedError` marks a part for you to fill in: the function `standardize`,
# and `__init__`, `forward`, `backward`, `train` and `predict` of the class. Keep the names and
# signatures exactly as given, because the grader imports your module and calls them.
#
# This notebook is your workbench. It explains the maths, loads the data and runs your
# class. Until you finish a TODO, the cells that use it stop with `NotImplementedError`.
# That is expected: fill in the TODO, then run the cell again. Thanks to `autoreload`
# (first code cell), you do not need to restart the kernel after you save `simple_nn.py`.
#
# ## How you are graded
#
# **Before you submit**, run the visible tests in a terminal opened in this folder:
#
# ```
# pytest
# ```
#
# **After you submit**, hidden checks run on your `simple_nn.py`. They test:
#
# 1. **Shapes**: `forward`, `backward` and `predict` return the right shapes for several batch sizes.
# 2. **Forward**: your probabilities match a separate computation, every row sums to 1,
#    and huge logits do not cause overflow (no `inf` or `nan`).
# 3. **Gradients**: every gradient (`W1`, `b1`, `W2`, `b2`) matches a numerical gradient computed in float64.
# 4. **Training**: the momentum update is exact, every epoch visits each example once in a new
#    random order, and the loss decreases from epoch to epoch.
# 5. **Reproducibility**: the same `seed` gives the same weights, both before and after training.
# 6. **Standardization**: `standardize` gives every training feature mean 0 and standard deviation 1,
#    and scales the test set with the training statistics.
# 7. **Accuracy**: after `train` on the 60,000 training images, `predict` scores more than 90 % on the
#    10,000 test images, and training must finish within **300 seconds**. A vectorized solution
#    (one matrix product per layer for a whole batch) needs a few seconds. A Python loop over
#    single examples will probably run out of time.
#
# The docstrings in `simple_nn.py` list the conventions these checks rely on. Read them first.

# %% [markdown]
# ## 1. Shapes and data flow
#
# We use four letters for array sizes throughout:
#
# | letter | meaning | value here |
# |---|---|---|
# | `N` | examples in a batch | e.g. 64 |
# | `D` | input features (pixels) | 784 = 28 x 28 |
# | `H` | hidden units | 64 |
# | `C` | classes | 10 |
#
# Every image is one **row** of `X`, so a batch is a matrix and each layer is one matrix product:
#
# ```
#  X (N, D)
#    |  z1 = X @ W1 + b1          W1 (D, H), b1 (1, H)
#  z1 (N, H)
#    |  a1 = relu(z1)
#  a1 (N, H)
#    |  z2 = a1 @ W2 + b2         W2 (H, C), b2 (1, C)
#  z2 (N, C)   "logits"
#    |  P = softmax(z2), row by row
#  P  (N, C)   row i = probabilities of the 10 digits for image i
#    |  loss = mean over the batch of -log P[i, y_i]
# ```
#
# **Why are the biases `(1, H)` row vectors?** `X @ W1` has shape `(N, H)`, and every image needs
# the same bias. NumPy *broadcasting* stretches a `(1, H)` array along its length-1 axis, so
# `X @ W1 + b1` adds `b1` to each of the N rows without a loop or a copy. Because the bias is
# 2-D, its gradient `(1, H)` has exactly the same shape as the parameter. That is why the
# update `b1 += v` works unchanged. A 1-D `(H,)` bias would also broadcast, but the grader
# expects `(1, H)`.
#
# Shape bugs are the most common bugs this week. When something breaks, print `.shape`
# of everything involved and compare with the diagram.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import time

import matplotlib.pyplot as plt
import numpy as np

from mnist import load_mnist
from simple_nn import SimpleNN, standardize

# %% [markdown]
# ## 2. The data
#
# `mnist.py` (provided) reads the four MNIST files from the folder named in the environment
# variable `NNGRADER_DATA_DIR` (if it is not set: `~/.cache/nngrader/mnist`). If the next cell
# cannot find the files, download them once from a terminal in this folder:
#
# ```
# python -m mnist download
# ```
#
# `load_mnist()` already flattens each image to 784 numbers and scales the pixels from
# 0-255 to **[0, 1]**. This scaling matters. With raw pixel values up to 255, every
# pre-activation `z1` would be about 255 times larger. That has the same effect as starting
# with weights that are far too large (see section 4).

# %%
X_train, y_train, X_test, y_test = load_mnist()

print("X_train", X_train.shape, X_train.dtype, f"values in [{X_train.min():.1f}, {X_train.max():.1f}]")
print("y_train", y_train.shape, y_train.dtype, "labels", np.unique(y_train))
print("X_test ", X_test.shape, " y_test", y_test.shape)

# %%
fig, axes = plt.subplots(2, 5, figsize=(8, 3.5))
for ax, i in zip(axes.flat, range(10)):
    ax.imshow(X_train[i].reshape(28, 28), cmap="gray_r")
    ax.set_title(f"label {y_train[i]}")
    ax.axis("off")
fig.suptitle("First ten training images")
fig.tight_layout()
plt.show()

# %% [markdown]
# ### Standardization: statistics from the training set only
#
# Pixels in [0, 1] already share one scale. Many datasets do not: think of a house's price in
# euros next to its number of rooms. The usual remedy is to **standardize** each feature: subtract
# its mean and divide by its standard deviation, so that every feature has mean 0 and standard
# deviation 1. No feature then dominates the first layer just because its numbers are bigger.
# That is the first TODO in `simple_nn.py`: `standardize(X_train, X_test)`.
#
# **Fit on the training set, apply to both.** The mean and the standard deviation come from
# `X_train` alone; `X_test` is transformed with those same numbers. The test set plays the role of
# the images the model will meet after training, and nobody knows their mean in advance. If the
# test set helps choose the scaling, some of its information has *leaked* into the model: the test
# score then grades a model that saw part of its exam, so it comes out better than what the model
# will really do on new images. Scaling each set with its own statistics is wrong as well: the
# same image would come out differently depending on which set it sits in.
#
# **Constant features.** Some pixels near the border are 0 in every training image, so their
# standard deviation is 0 and dividing by it gives `nan`. As the docstring says, such a feature is
# divided by 1 instead. That choice matters on the test set too: one test image has a little ink on
# two of these pixels, and divided by 1 those values stay small, where a tiny epsilon in place of
# the 0 (1e-8) would turn them into numbers near ten million.
#
# The cell below runs your `standardize` on MNIST. The network in the rest of this notebook keeps
# training on the [0, 1] pixels: they are already on one scale, and the default learning rate
# was chosen for them.

# %%
X_train_std, X_test_std = standardize(X_train, X_test)

pixel_std = X_train.std(axis=0)
varying = pixel_std > 0
print(f"pixels that are constant in every training image: {np.sum(~varying)} of {len(pixel_std)}")
print("all values finite:", bool(np.isfinite(X_train_std).all() and np.isfinite(X_test_std).all()))
train_means, train_stds = X_train_std[:, varying].mean(axis=0), X_train_std[:, varying].std(axis=0)
test_means = X_test_std[:, varying].mean(axis=0)
print(f"training set, the other pixels: largest |mean| {np.abs(train_means).max():.4f}, "
      f"standard deviations from {train_stds.min():.3f} to {train_stds.max():.3f}")
print(f"test set, the same pixels: means from {test_means.min():.3f} to {test_means.max():.3f} "
      "(close to 0 but not exactly: they were scaled with the training statistics)")

# %% [markdown]
# ## 3. Forward pass
#
# **ReLU**, `relu(z) = max(z, 0)`, works element by element: `np.maximum(z1, 0)`. It is cheap,
# and its slope is exactly 1 wherever the unit is active, so gradients pass through
# active units without shrinking.
#
# **Softmax** turns one row of logits `z` into probabilities:
# `p_k = exp(z_k) / sum_j exp(z_j)`. Every `p_k` is positive and the row sums to 1.
# Apply it **per row**: take the sum with `axis=1, keepdims=True`, so that the `(N, 1)` row sums
# broadcast against the `(N, C)` matrix.
#
# **The max-shift trick.** In float64, `np.exp(x)` overflows to `inf` once `x` exceeds about
# 709.8 (the largest float is about 1.8e308 and ln(1.8e308) = 709.8). Then softmax computes
# `inf / inf = nan`, and one `nan` spreads into every weight after the next update. The fix
# uses a property of softmax: adding the same constant `c` to every logit in a row does not
# change the result, because
#
# `exp(z_k - c) / sum_j exp(z_j - c) = exp(-c) exp(z_k) / (exp(-c) sum_j exp(z_j))`,
#
# and the factor `exp(-c)` cancels. Choose `c` = the row's maximum. Then the largest exponent is
# `exp(0) = 1` and nothing can overflow. Very negative entries underflow to 0, and that is harmless.
# Logits that large are rare at the start, but they do appear when training goes wrong, and
# the hidden forward check tests exactly this case.

# %%
z = np.array([[1000.0, 1001.0]])

with np.errstate(over="ignore", invalid="ignore"):  # silence the warnings; we want to see the result
    naive = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)

shifted = np.exp(z - z.max(axis=1, keepdims=True))
stable = shifted / shifted.sum(axis=1, keepdims=True)

print("np.exp(709) =", np.exp(709.0))
with np.errstate(over="ignore"):
    print("np.exp(710) =", np.exp(710.0))
print("naive softmax  :", naive)
print("shifted softmax:", stable, "-> same answer as for logits [0, 1]:",
      np.allclose(stable, np.exp([0.0, 1.0]) / np.exp([0.0, 1.0]).sum()))

# %% [markdown]
# ## 4. Initialization
#
# The weights must start random. If all hidden units started with identical weights, they would
# receive identical gradients and stay identical forever. Random weights break that symmetry.
# The *scale* of those random numbers matters too:
#
# * **Too small.** `a1` is nearly 0, so `z2` is nearly 0 and every prediction is a flat 10 %.
#   The gradient of `W2` is proportional to `a1`, and the gradient of `W1` is proportional to `W2`.
#   Both are tiny, so learning starts very slowly or not at all.
# * **Too large.** The logits are huge from the start. Softmax is then almost one-hot and
#   confidently wrong. The loss is large, the gradients are large, and the first updates are
#   big jumps instead of small corrections. With a normal learning rate, this often ends in `nan`.
#
# **He initialization** draws `W1` from a normal distribution with standard deviation
# `sqrt(2 / D)`. Each `z1` sums D products, so its variance grows with D; dividing by D undoes
# that. The factor 2 compensates for ReLU, which sets about half of the values to zero. The
# result is hidden activations of a sensible, D-independent size. `W2` feeds the softmax, not
# another ReLU, so it uses `sqrt(1 / H)`. Biases start at 0.
#
# The cell below uses plain NumPy, not your class. It shows what the scale does to a batch of
# real images before any training. A loss of ln(10) = 2.30 means a uniform guess.

# %%
rng = np.random.default_rng(0)
D, H, C = 784, 64, 10
X_batch, y_batch = X_train[:500], y_train[:500]

for factor in (0.01, 1.0, 10.0):
    W1 = factor * rng.normal(0.0, np.sqrt(2 / D), (D, H))
    W2 = factor * rng.normal(0.0, np.sqrt(1 / H), (H, C))
    a1 = np.maximum(X_batch @ W1, 0)
    z2 = a1 @ W2
    log_p = z2 - z2.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(len(y_batch)), y_batch].mean()
    print(f"{factor:5} x He:  std of a1 = {a1.std():8.4f}   std of logits = {z2.std():8.3f}   "
          f"initial loss = {loss:7.2f}")

# %% [markdown]
# Now your `__init__`. Create `self.W1`, `self.b1`, `self.W2` and `self.b2` as described in its
# docstring, using **`self.rng`** for the random numbers (not `np.random.*`), so that the same
# seed always gives the same network. Also create `self.velocity`, a dict of zero arrays with one
# entry per parameter (it is used in section 6).

# %%
net = SimpleNN(seed=0)
for name in ("W1", "b1", "W2", "b2"):
    param = getattr(net, name)
    print(f"{name}: shape {param.shape}, std {param.std():.4f}")
print("velocity:", {name: v.shape for name, v in net.velocity.items()})

# %% [markdown]
# **Quick self-check of `forward`.** Use a tiny batch and check the output shape and the row sums.
# Check that no value is `nan` or `inf`. At this point every row should be close to uniform
# (about 0.1 per digit), because the network has not learned anything yet.

# %%
P = net.forward(X_train[:5])
print("P shape:", P.shape, "(expected (5, 10))")
print("row sums:", P.sum(axis=1))
print("all finite:", np.isfinite(P).all(), "| rows sum to 1:", np.allclose(P.sum(axis=1), 1.0))
print("cached:", sorted(net.cache))

# %% [markdown]
# ## 5. The loss and its gradient
#
# For one image with true label `y`, cross-entropy is `L = -log p_y`. It is 0 when the network
# gives the right digit probability 1, and it grows without limit as `p_y` goes to 0. Written in
# terms of the logits:
#
# `L = -z_y + log(sum_j exp(z_j))`
#
# Differentiate with respect to one logit `z_k`. The first term contributes `-1` if `k = y`.
# The second term contributes `exp(z_k) / sum_j exp(z_j)`, which is `p_k`. So
#
# `dL/dz_k = p_k - [k = y]`,  or for the whole batch:  **`dz2 = P - one_hot(y)`**.
#
# This is the famous result: *prediction minus target*. The softmax and the log cancel each
# other's complications. You never need the softmax Jacobian. To subtract the one-hot matrix,
# subtract 1 at the true-label positions: `dz2[np.arange(N), y] -= 1`. Do this on a **copy**
# of `P`, so the cached probabilities stay unchanged.
#
# **Why divide by N?** The loss is the *mean* over the batch, so every example's contribution
# to the gradient carries a factor `1/N`. Apply it once to `dz2`, and everything computed from
# `dz2` inherits it. Using the mean makes the gradient's size independent of the batch size,
# so the same learning rate works for batches of 32 or 256. The hidden gradient check compares
# with the mean loss, so a missing `/ N` fails it.
#
# **Back through the layers** (chain rule, always check against the shapes in section 1):
#
# | step | formula | shape |
# |---|---|---|
# | output weights | `dW2 = a1.T @ dz2` | (H, C) |
# | output bias | `db2 = dz2.sum(axis=0, keepdims=True)` | (1, C) |
# | into the hidden layer | `da1 = dz2 @ W2.T` | (N, H) |
# | through ReLU | `dz1 = da1 * (z1 > 0)` | (N, H) |
# | input weights | `dW1 = X.T @ dz1` | (D, H) |
# | hidden bias | `db1 = dz1.sum(axis=0, keepdims=True)` | (1, H) |
#
# * **ReLU** passes the gradient through where the unit was active (`z1 > 0`, slope 1) and blocks it
#   where it was not (slope 0). That is why `forward` caches `z1`.
# * **Bias gradients are sums over the batch.** A bias was added to every row (broadcasting), so
#   its gradient collects the contributions of all rows. The weight gradients also sum over the
#   batch, but the matrix product `a1.T @ dz2` does that summing for you.
#
# **Check your gradients numerically.** Nudge one weight by a small `eps` in both directions and
# measure how the loss changes: `(L(w + eps) - L(w - eps)) / (2 eps)`. That is the slope, and it
# should match `backward`. The hidden checks do this for every parameter. The cell below checks a
# few random entries of each on a tiny network, in float64.

# %%
def mean_cross_entropy(P, y):
    return -np.log(P[np.arange(len(y)), y]).mean()


check_rng = np.random.default_rng(1)
small = SimpleNN(input_size=6, hidden_size=5, output_size=3, seed=0)
Xs = check_rng.normal(size=(4, 6))
ys = np.array([0, 2, 1, 2])

small.forward(Xs)
grads = small.backward(Xs, ys)
eps = 1e-6
for name in ("W1", "b1", "W2", "b2"):
    param = getattr(small, name)
    assert grads[name].shape == param.shape, f"d{name} has shape {grads[name].shape}, expected {param.shape}"
    worst = 0.0
    for _ in range(5):
        idx = tuple(check_rng.integers(0, s) for s in param.shape)
        old = param[idx]
        param[idx] = old + eps
        loss_plus = mean_cross_entropy(small.forward(Xs), ys)
        param[idx] = old - eps
        loss_minus = mean_cross_entropy(small.forward(Xs), ys)
        param[idx] = old
        numeric = (loss_plus - loss_minus) / (2 * eps)
        worst = max(worst, abs(numeric - grads[name][idx]) / max(1e-8, abs(numeric) + abs(grads[name][idx])))
    print(f"d{name}: worst relative error {worst:.1e}  {'OK' if worst < 1e-5 else '<-- check this gradient'}")

# %% [markdown]
# ## 6. Training: SGD with momentum
#
# Plain SGD steps straight downhill with `W -= lr * grad`. Each mini-batch gives only a noisy
# estimate of the true gradient. In a long narrow valley, plain SGD also zig-zags from wall to
# wall while making little progress along the valley floor.
#
# **Momentum** treats the parameters like a ball rolling downhill. The ball keeps a *velocity*
# that the gradient pushes on and that friction slowly reduces:
#
# ```
# v = momentum * v - learning_rate * grad
# W = W + v
# ```
#
# * If the gradient keeps pointing the same way, the steps build up. With `momentum = 0.9`, the
#   step approaches `lr / (1 - 0.9)`, ten times a plain SGD step.
# * If the gradient keeps flipping sign (the zig-zag), consecutive pushes cancel inside `v`, and
#   the oscillation dies out.
#
# There is one velocity array per parameter (`self.velocity["W1"]`, ...). It starts at zero and
# **keeps its value** from batch to batch and from epoch to epoch. Resetting it every batch turns
# momentum back into plain SGD.
#
# **Shuffle every epoch.** Before each epoch, draw a new random order with
# `self.rng.permutation(N)` and cut it into batches of `batch_size`. The last batch may be
# smaller, and that is fine. Shuffling matters for three reasons:
#
# * If the data were sorted (all 0s, then all 1s, ...), every batch would contain a single digit,
#   and each update would undo the previous one.
# * With one fixed order, the updates come in the same sequence every epoch, so any pattern in
#   that order (for example, whichever digits come last pulling hardest on the final weights)
#   repeats instead of averaging out.
# * In a random order, each batch is a fair sample of the whole training set, so its gradient
#   is an unbiased estimate of the full gradient.
#
# Shuffle *indices*, not the arrays themselves. That way you do not modify the caller's data.
# Use `self.rng` so that the same seed gives the same result (the reproducibility check).
#
# `train` returns `history`, the mean loss of each epoch. Record each batch's loss while you
# already have `P` from the forward pass, so you do not need an extra pass over the data. Use the
# defaults (10 epochs, `learning_rate=0.02`, `momentum=0.9`, `batch_size=64`). A vectorized
# solution finishes in seconds.

# %%
model = SimpleNN(seed=0)  # a fresh network, so re-running this cell gives the same result

start = time.perf_counter()
history = model.train(X_train, y_train, epochs=10)
elapsed = time.perf_counter() - start

print(f"training took {elapsed:.1f} s (the grader allows 300 s)")
for epoch, loss in enumerate(history, start=1):
    print(f"epoch {epoch:2d}: mean loss {loss:.4f}")

# %%
test_pred = model.predict(X_test)
test_acc = np.mean(test_pred == y_test)
train_acc = np.mean(model.predict(X_train[:10000]) == y_train[:10000])

print(f"train accuracy (first 10,000 training images): {train_acc:.2%}")
verdict = "goal reached (> 90 %)" if test_acc > 0.90 else "below the 90 % goal"
print(f"test accuracy:  {test_acc:.2%}  -> {verdict}")

# %%
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(range(1, len(history) + 1), history, marker="o")
ax.set_title("Training loss per epoch")
ax.set_xlabel("epoch")
ax.set_ylabel("mean cross-entropy")
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# **Look at the mistakes.** The accuracy is one number. The misclassified images show *what*
# the network finds hard. Many of them are ambiguous even for a human.

# %%
wrong = np.flatnonzero(test_pred != y_test)[:10]
print(f"{np.sum(test_pred != y_test)} of {len(y_test)} test images misclassified; showing {len(wrong)}")

fig, axes = plt.subplots(2, 5, figsize=(8, 3.5))
for ax in axes.flat:
    ax.axis("off")
for ax, i in zip(axes.flat, wrong):
    ax.imshow(X_test[i].reshape(28, 28), cmap="gray_r")
    ax.set_title(f"{y_test[i]} / {test_pred[i]}")
fig.suptitle("Misclassified test digits (true / predicted)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 7. What to try next (optional, not graded)
#
# Once the tests pass, experiment in a copy of your class or in extra notebook cells. Keep the
# graded `simple_nn.py` working with its defaults.
#
# * **Learning-rate decay.** Take large steps early and smaller ones later, for example
#   `lr = lr0 / (1 + 0.5 * epoch)`, or halve the rate every few epochs. This often adds a few
#   tenths of a percent.
# * **Dropout.** During training only, zero a random fraction of `a1` (for example 20 %) and scale
#   the remaining units up by `1 / (1 - rate)`. Apply the same mask in `backward`. This
#   discourages units from relying on each other. Compare the gap between training and test
#   accuracy with and without dropout.
# * **More hidden units** (128, 256). Watch both accuracies and the training time.
# * **Decision boundaries.** Train the same class on 2-D toy data (two features, a few classes),
#   evaluate `predict` on a grid of points, and color the plane by the predicted class.
#
# **Reading the loss curve when something goes wrong:**
#
# * **`nan` or `inf` loss.** The updates are too large: lower the learning rate. Also check the
#   max-shift in softmax and the initial weight scale.
# * **Flat loss** (stuck near 2.30 = ln 10). The gradients are too small, or they are never
#   applied. Check that `backward` divides by N only once and that the weights start at a
#   reasonable scale. Check that the update really changes the parameters: `self.W1 += v`
#   changes the weights in place, but updating a temporary copy does not. Also check that the
#   velocity keeps its value between batches.
# * **Loss falls but accuracy stays low.** Check `predict`: it needs `argmax` over `axis=1`.
#   Also check that the labels and images stay paired after shuffling: index both with the same
#   indices.
