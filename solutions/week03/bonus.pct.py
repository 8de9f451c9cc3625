# %% [markdown]
# # Week 3 bonus (extra credit): dropout, learning-rate decay, decision boundaries
#
# This part is **optional**. Its checks only *add* points: they are not counted in the
# maximum score, so skipping the bonus costs you nothing. Do the mini-challenge
# (`simple_nn.py`) first, because the bonus builds on it.
#
# You write three things in **`bonus.py`**:
#
# | what | where | idea |
# |---|---|---|
# | inverted dropout | `BonusNN.forward`, `BonusNN.backward` | while training, switch off random hidden units |
# | learning-rate decay | `BonusNN.train` | take smaller steps as training goes on |
# | decision boundaries | `plot_decision_boundary` | color the plane by the class a model predicts |
#
# `BonusNN` is a **subclass** of your own `SimpleNN`: it inherits `__init__`, `predict` and
# `train`'s mini-batch loop, and changes only what is new. `make_moons` (given) creates a
# small 2-D dataset for the pictures.

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import time

import matplotlib.pyplot as plt
import numpy as np

from bonus import BonusNN, make_moons, plot_decision_boundary
from simple_nn import SimpleNN

# %% [markdown]
# ## 1. Inverted dropout
#
# A network with many hidden units can memorize its training set: a few units team up
# to recognize single training examples, and the fit to new data suffers. **Dropout** breaks
# such teams. On every training step, each hidden unit is switched off (set to 0) with
# probability `1 - keep_prob`. No unit can count on a particular partner being there, so each
# one has to be useful on its own. It is a bit like training many thinned networks that
# share their weights.
#
# In evaluation we want the full network, without any randomness. That raises one problem.
# With `keep_prob = 0.8`, the next layer saw on average only 80 % of the hidden signal during
# training. In evaluation it would suddenly see 100 %, and every logit would be too large.
#
# **Inverted dropout** fixes this during training, so evaluation does not need to change:
#
# ```
# mask = (rng.random(a1.shape) < keep_prob) / keep_prob     # 0, or 1 / keep_prob
# a1   = a1 * mask
# ```
#
# A unit survives with probability `keep_prob` and is then multiplied by `1 / keep_prob`, so its
# expected value is `keep_prob * a1 / keep_prob + (1 - keep_prob) * 0 = a1`. The next layer
# sees, on average, exactly what it will see in evaluation. In evaluation mode (`training`
# False) `forward` is simply `SimpleNN.forward`: no mask, no scaling.
#
# The pictures below use plain NumPy. On the left is one mask for 8 examples and 20 hidden
# units. On the right, the average of the dropped-out activations over more and more random
# masks: with the `1 / keep_prob` scaling it settles at the real activation; without it, at
# only `keep_prob` times that.

# %%
rng = np.random.default_rng(0)
keep_prob = 0.8
a1 = rng.uniform(0.5, 1.5, (8, 20))  # some positive hidden activations

mask = (rng.random(a1.shape) < keep_prob) / keep_prob
draws = np.arange(1, 201)
inverted, unscaled = [], []
total_inverted = total_unscaled = 0.0
for k in draws:
    keep = rng.random(a1.shape) < keep_prob
    total_inverted += np.mean(a1 * keep / keep_prob)
    total_unscaled += np.mean(a1 * keep)
    inverted.append(total_inverted / k)
    unscaled.append(total_unscaled / k)

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.imshow(mask, cmap="Greys", vmin=0)
left.set_title(f"one mask, keep_prob {keep_prob}: white = dropped", fontsize=9)
left.set_xlabel("hidden unit")
left.set_ylabel("example")
right.plot(draws, inverted, label="a1 * mask / keep_prob (inverted)")
right.plot(draws, unscaled, label="a1 * mask (not scaled)")
right.axhline(a1.mean(), color="k", linestyle="--", label="a1 without dropout")
right.set_xlabel("number of random masks averaged")
right.set_ylabel("mean activation")
right.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# Now your `BonusNN.forward`. Draw the mask from **`self.rng`**, one value per example and hidden
# unit, and only while `self.training` is True. Cache the mask: `backward` needs exactly the same
# one. Two quick checks: in evaluation mode the output equals `SimpleNN`'s with the same weights,
# and in training mode it changes from call to call.

# %%
net = BonusNN(input_size=4, hidden_size=16, output_size=3, seed=0, keep_prob=0.5)
plain = SimpleNN(input_size=4, hidden_size=16, output_size=3, seed=0)
for name in ("W1", "b1", "W2", "b2"):
    setattr(plain, name, getattr(net, name).copy())
X_small = np.random.default_rng(1).normal(size=(2, 4))

print("evaluation mode equals SimpleNN:", np.allclose(net.forward(X_small), plain.forward(X_small)))
net.training = True
print("training mode, two calls:\n", net.forward(X_small).round(3), "\n", net.forward(X_small).round(3))
net.training = False

# %% [markdown]
# ## 2. Backward through the mask
#
# Dropout multiplies `a1` by a fixed number per unit, so the gradient that reaches `a1` goes
# back through the same multiplication. Only one line of `SimpleNN.backward` changes:
#
# `dz1 = (dz2 @ W2.T) * mask * (z1 > 0)`
#
# A dropped unit gets no gradient, just like a ReLU that is off. A kept unit gets its
# gradient multiplied by `1 / keep_prob`.
#
# **Checking it numerically needs the same mask every time.** The centered difference calls
# `forward` twice per weight, and a new mask each time would change the loss by far more than
# the tiny nudge. The trick: reset `self.rng` to the same seed before every `forward`, so it draws
# the same mask. (The hidden check does the same.)

# %%
check_rng = np.random.default_rng(2)
small = BonusNN(input_size=6, hidden_size=5, output_size=3, seed=0, keep_prob=0.5)
small.training = True
Xs, ys = check_rng.normal(size=(4, 6)), np.array([0, 2, 1, 2])


def loss_with_fixed_mask():
    small.rng = np.random.default_rng(123)  # same state, same mask
    P = small.forward(Xs)
    return -np.log(P[np.arange(len(ys)), ys]).mean()


loss_with_fixed_mask()
grads = small.backward(Xs, ys)
eps = 1e-6
for name in ("W1", "b1", "W2", "b2"):
    param, worst = getattr(small, name), 0.0
    for _ in range(5):
        idx = tuple(check_rng.integers(0, s) for s in param.shape)
        old = param[idx]
        param[idx] = old + eps
        loss_plus = loss_with_fixed_mask()
        param[idx] = old - eps
        loss_minus = loss_with_fixed_mask()
        param[idx] = old
        numeric = (loss_plus - loss_minus) / (2 * eps)
        worst = max(worst, abs(numeric - grads[name][idx]) / max(1e-8, abs(numeric) + abs(grads[name][idx])))
    print(f"d{name}: worst relative error {worst:.1e}  {'OK' if worst < 1e-5 else '<-- check this gradient'}")

# %% [markdown]
# ## 3. Learning-rate decay
#
# Early in training, big steps make fast progress. Later, near a good solution, the same big
# steps keep jumping around it, and the noise of each mini-batch never averages out. A simple
# fix is **inverse-time decay**: epoch `e` (counted from 0) uses
#
# `lr_e = learning_rate / (1 + decay * e)`
#
# With `decay = 0` nothing changes. With `decay = 1` the rate is halved after one epoch and
# divided by 10 after nine. The first epoch always uses the full `learning_rate`.
#
# Your `BonusNN.train` does not need to repeat `SimpleNN.train`'s loop: for each epoch, compute
# `lr_e`, store it in `self.lr_history`, and let `super().train(..., epochs=1, learning_rate=lr_e, ...)`
# run that epoch. The velocity lives in `self.velocity`, so momentum carries over from one call to
# the next. `train` also switches `self.training` on and, in a `finally:` block, back off, so that
# even a training run that crashes leaves the model in evaluation mode.

# %%
epochs = np.arange(20)
fig, ax = plt.subplots(figsize=(8, 3))
for decay in (0.0, 0.1, 0.5, 1.0):
    ax.plot(epochs, 0.1 / (1 + decay * epochs), marker=".", label=f"decay = {decay}")
ax.set_xlabel("epoch (from 0)")
ax.set_ylabel("learning rate")
ax.set_title("Inverse-time decay of learning_rate = 0.1")
ax.legend()
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# ## 4. Decision boundaries on a toy dataset
#
# With two input features we can *see* what a classifier does: evaluate `predict` on a fine grid
# of points covering the data, and color each grid point by its predicted class.
# `plot_decision_boundary` does exactly that:
#
# * `xs` runs over feature 0's range and `ys` over feature 1's, each widened by 10 % of the range
#   on both sides, so the points at the edge are not on the border of the picture;
# * `np.meshgrid(xs, ys)` gives grids `gx`, `gy` whose **rows follow y** and columns follow x,
#   which is what `contourf(xs, ys, grid)` expects. Stack them into an `(M, 2)` array and call
#   `predict` once on all points;
# * `grid_predictions[i, j]` is then the class at `(xs[j], ys[i])`.
#
# Below: two half moons with plenty of noise and only 60 training points. A network with 128
# hidden units can fit them perfectly, and that is the danger. On the left it trains without
# dropout, on the right with `keep_prob = 0.5`; the rest is identical. 2,000 fresh points from
# the same distribution measure how well each boundary works on new data.

# %%
X_moons, y_moons = make_moons(60, noise=0.35, seed=0)
X_fresh, y_fresh = make_moons(2000, noise=0.35, seed=1)

fig, axes = plt.subplots(1, 2, figsize=(8, 3))
start = time.perf_counter()
for ax, keep in zip(axes, (1.0, 0.5)):
    model = BonusNN(input_size=2, hidden_size=128, output_size=2, seed=0, keep_prob=keep)
    model.train(X_moons, y_moons, epochs=3000, learning_rate=0.1, batch_size=16)
    train_acc = np.mean(model.predict(X_moons) == y_moons)
    fresh_acc = np.mean(model.predict(X_fresh) == y_fresh)
    plot_decision_boundary(model.predict, X_moons, y_moons, ax=ax)
    ax.set_title(f"keep_prob {keep}: train {train_acc:.0%}, new data {fresh_acc:.0%}", fontsize=9)
fig.tight_layout()
plt.show()
print(f"both trainings took {time.perf_counter() - start:.1f} s")

# %% [markdown]
# Without dropout, the boundary bends around single noisy points to reach 100 % on the training
# set. With dropout, no group of units can specialise on one point, and the boundary stays
# smoother. On a dataset this small the accuracy on new data varies with the seed, so judge
# the shapes more than the last percent. Try other `keep_prob` values, more points, or `decay`.

# %% [markdown]
# ## 5. Optional: dropout and decay on MNIST
#
# A short run on the real data: four epochs on all 60,000 training images with `keep_prob = 0.8`
# and `decay = 0.5`. It takes a few seconds with a vectorized `SimpleNN.train`.

# %%
from mnist import load_mnist  # noqa: E402  (only this section needs the MNIST files)

X_train, y_train, X_test, y_test = load_mnist()
mnist_model = BonusNN(seed=0, keep_prob=0.8)
start = time.perf_counter()
history = mnist_model.train(X_train, y_train, epochs=4, decay=0.5)
print(f"training took {time.perf_counter() - start:.1f} s")
for epoch, (rate, loss) in enumerate(zip(mnist_model.lr_history, history)):
    print(f"epoch {epoch}: learning rate {rate:.4f}, mean loss {loss:.4f}")
print(f"test accuracy: {np.mean(mnist_model.predict(X_test) == y_test):.2%} "
      f"(training mode after train: {mnist_model.training})")

# %% [markdown]
# ## How you are graded (extra credit)
#
# Run the visible tests first: `pytest` in this folder runs `test_bonus.py` along with the others.
# After you submit, hidden checks run on your `bonus.py` (with your `simple_nn.py` next to it).
# Each one can only add points:
#
# 1. **No dropout when it should be off**: in evaluation mode, and with `keep_prob = 1`, `forward`
#    gives exactly `SimpleNN`'s output.
# 2. **Inverted dropout**: in training mode, about `1 - keep_prob` of the hidden units are zeroed,
#    each example gets its own mask, the survivors are divided by `keep_prob`, and the average
#    over many masks equals the activation without dropout.
# 3. **Randomness from `self.rng`**: the same `self.rng` state gives the same mask, every call
#    draws a new one, and `np.random` is not touched.
# 4. **Backward through the mask**: every gradient matches a numerical gradient taken with the
#    same mask.
# 5. **Training mode**: `train` sets `self.training` while it runs and resets it afterwards, even
#    when training stops with an error.
# 6. **Decay**: `lr_history` holds `learning_rate / (1 + decay * epoch)` from epoch 0, and these
#    rates are the ones actually used for the updates.
# 7. **Decision boundary**: a Figure with filled regions and the data points, an integer
#    `(resolution, resolution)` grid equal to `predict` at `(xs[j], ys[i])`, and a grid reaching
#    10 % of the data range beyond the data on every side.
