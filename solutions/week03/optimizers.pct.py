# %% [markdown]
# # Week 3: optimizers
#
# Backpropagation tells you the gradient: which way is uphill, and how steep. An **optimizer**
# decides what to do with it: how far to step, and whether to remember earlier gradients.
# This week you write three of them and three learning-rate schedules, in **`optimizers.py`**:
#
# | | update | memory per parameter |
# |---|---|---|
# | `SGD` | `p -= lr * g` | none |
# | `Momentum` | `v = momentum * v - lr * g`, then `p += v` | a velocity `v` |
# | `Adam` | a bias-corrected running mean of `g`, divided by the root of a running mean of `g**2` | `m` and `v` (plus one step counter) |
# | schedules | `step_decay`, `exponential_decay`, `inverse_time_decay` | none |
#
# Every optimizer has the same interface, so a training loop can swap one for another:
#
# ```python
# opt = Momentum(learning_rate=0.01, momentum=0.9)
# for batch in batches:
#     grads = compute_gradients(params, batch)   # dict name -> array, same keys as params
#     opt.step(params, grads)                    # updates the arrays inside params
# ```
#
# Your code goes in `optimizers.py`: every `# TODO` with `raise NotImplementedError` is yours. Until
# you finish a TODO, the cells that use it stop with `NotImplementedError`. Fill it in, save, and
# run the cell again (`autoreload` picks up your changes).

# %%
# %load_ext autoreload
# %autoreload 2
# %matplotlib inline

import matplotlib.pyplot as plt
import numpy as np

from optimizers import SGD, Adam, Momentum, exponential_decay, inverse_time_decay, step_decay

# %% [markdown]
# ## 1. The contract: a dict of arrays, updated in place
#
# `params` and `grads` are dicts with the same keys, say `{"W1": ..., "b1": ...}`. `step` must change
# the arrays **inside** `params`, not put new arrays into the dict. Why does that matter? A model
# usually keeps its own reference to each weight array (`self.W1`), and `params` holds the *same*
# objects. `params["W1"] -= ...` writes into that shared array, so the model sees the new weights.
# `params["W1"] = params["W1"] - ...` builds a new array and puts it in the dict: the model still
# holds the old one and never learns. And `p = p - lr * g` on a local name `p` changes nothing at all.
#
# The optimizers with memory keep one state array **per parameter name**, created as zeros
# (`np.zeros_like`) the first time `step` sees that name. Two parameters never share a velocity.

# %%
W = np.array([[1.0, 2.0], [3.0, 4.0]])   # imagine this is model.W1
params = {"W": W}
SGD(learning_rate=0.1).step(params, {"W": np.ones((2, 2))})
print("same array object after step:", params["W"] is W)
print("the model's own W now:\n", W)

# %% [markdown]
# ## 2. A test bed: a long, narrow valley
#
# We watch the optimizers on `f(x, y) = 0.5 * (x**2 + 20 * y**2)`. Its gradient is `(x, 20 y)`:
# the valley walls (y) are 20 times steeper than the valley floor (x). This is what many real loss
# surfaces look like near a minimum: some directions are steep, others nearly flat.
#
# Plain SGD has a dilemma. The learning rate must be small enough for the steep direction: above
# `2 / 20 = 0.1`, the y coordinate overshoots more every step and diverges. But along x, the step
# `lr * x` is then tiny. Near the limit, SGD zig-zags across the valley while it crawls along it.

# %%
A = np.diag([1.0, 20.0])


def valley(P):
    """f at each row of P (K, 2)."""
    return 0.5 * np.einsum("ki,ij,kj->k", P, A, P)


def valley_grad(p):
    return A @ p


def run(optimizer, grad_fn, start, steps):
    """The path (steps + 1, 2) of one 2-D parameter 'p' under ``optimizer``."""
    params = {"p": np.array(start, dtype=float)}
    path = [params["p"].copy()]
    with np.errstate(all="ignore"):  # a diverging run should show as a path, not as warnings
        for _ in range(steps):
            optimizer.step(params, {"p": grad_fn(params["p"])})
            path.append(params["p"].copy())
    return np.array(path)


def contour(ax, f, xlim, ylim, levels):
    xs, ys = np.linspace(*xlim, 300), np.linspace(*ylim, 300)
    X, Y = np.meshgrid(xs, ys)
    Z = f(np.stack([X.ravel(), Y.ravel()], axis=1)).reshape(X.shape)
    ax.contour(X, Y, Z, levels=levels, colors="0.75", linewidths=0.8)


START, STEPS = (-9.0, 2.5), 40
fig, ax = plt.subplots(figsize=(8, 3))
contour(ax, valley, (-10, 2), (-3, 3), levels=np.geomspace(0.05, 150, 14))
for lr, color in [(0.02, "tab:blue"), (0.09, "tab:red")]:
    path = run(SGD(learning_rate=lr), valley_grad, START, STEPS)
    ax.plot(path[:, 0], path[:, 1], ".-", color=color, lw=1, ms=4, label=f"SGD lr={lr}")
ax.plot(0, 0, "k*", ms=10)
ax.set_title(f"SGD, {STEPS} steps: too careful (blue) or zig-zagging (red)")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## 3. Momentum: a ball rolling downhill
#
# Momentum gives the parameters a velocity. Each step, friction keeps a fraction `momentum` of
# the old velocity, and the gradient pushes it downhill:
#
# ```
# v = momentum * v - lr * g        (the minus: the push points downhill)
# p = p + v
# ```
#
# * On a steady slope the pushes add up: the velocity grows towards `lr * g / (1 - momentum)`,
#   ten times an SGD step for `momentum = 0.9`.
# * Across the valley the gradient flips sign each step, the pushes cancel inside `v`, and the
#   zig-zag dies down.
# * Like a real ball, it overshoots the bottom and rolls back a few times before it settles.
#
# Below, one coordinate on the parabola `f(x) = x**2 / 2`, starting at `x = -4`, with the same
# small learning rate for both.

# %%
parabola = np.linspace(-4.5, 4.5, 200)
sgd_x = run(SGD(learning_rate=0.05), lambda p: p, (-4.0, 0.0), 60)[:, 0]
ball_x = run(Momentum(learning_rate=0.05, momentum=0.9), lambda p: p, (-4.0, 0.0), 60)[:, 0]

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(parabola, parabola**2 / 2, color="0.6")
left.scatter(sgd_x[:15], sgd_x[:15] ** 2 / 2, c=np.arange(15), cmap="Blues", vmin=-8, zorder=3, label="SGD")
left.scatter(ball_x[:15], ball_x[:15] ** 2 / 2, c=np.arange(15), cmap="Reds", vmin=-8, marker="s", zorder=3,
             label="Momentum")
left.set_title("first 15 positions (darker = later)")
left.set_xlabel("x")
left.legend()
right.plot(sgd_x, label="SGD lr=0.05")
right.plot(ball_x, label="Momentum lr=0.05, 0.9")
right.axhline(0, color="0.6", lw=0.8)
right.set_title("x over the steps")
right.set_xlabel("step")
right.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# SGD creeps: each step removes 5 % of the distance. The ball picks up speed, passes the bottom,
# swings back, and is much closer after 60 steps. Too much momentum (0.99) means a ball that
# swings for a long time; too little (0) is SGD again.
#
# ## 4. Adam: a step size per coordinate, and why it needs bias correction
#
# Adam keeps two running averages for every coordinate: `m`, of the gradient (a momentum), and
# `v`, of the squared gradient (how big that coordinate's gradients usually are). It steps by
# `lr * m / sqrt(v)`. For a steady gradient that ratio is about `+-1`, so **every coordinate moves
# by about `lr`**, whether its gradient is 0.001 or 1000. Steep and flat directions get steps of
# the same size, which is exactly what the narrow valley needs. The `eps` (1e-8) is added *after*
# the square root, only to avoid a division by zero.
#
# **The catch: both averages start at zero.** After the first step, `m = (1 - beta1) * g = 0.1 g`
# and `v = (1 - beta2) * g**2 = 0.001 g**2`: both are far below the gradient they are supposed to
# average. Dividing by `1 - beta**t` removes exactly that bias: after `t` steps of a constant
# gradient, `m = (1 - beta1**t) g`, so `m / (1 - beta1**t) = g`. Adam uses these corrected values,
# `m_hat` and `v_hat`.
#
# A common short summary of Adam leaves the correction out. What goes wrong then? `v` is biased
# much more than `m` (because `beta2 = 0.999` forgets much more slowly than `beta1 = 0.9`), so
# `m / sqrt(v)` is too *large*: the first step is `(1 - beta1) / sqrt(1 - beta2) = 3.16` times `lr`,
# and a few steps later even more, just when the parameters are furthest from any good value.
# The effect only fades after thousands of steps. The next cell feeds your `Adam` a constant
# gradient of 1 and reads its state.

# %%
adam = Adam(learning_rate=0.001)
params = {"p": np.zeros(1)}
raw_m, corrected_m, step_taken, step_uncorrected = [], [], [], []
for t in range(1, 101):
    before = params["p"].copy()
    adam.step(params, {"p": np.ones(1)})
    m, v = adam.m["p"][0], adam.v["p"][0]
    raw_m.append(m)
    corrected_m.append(m / (1 - adam.beta1**t))
    step_taken.append((before - params["p"])[0] / adam.learning_rate)
    step_uncorrected.append(m / (np.sqrt(v) + adam.eps))

fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
left.plot(range(1, 31), raw_m[:30], "o-", ms=3, label="raw m")
left.plot(range(1, 31), corrected_m[:30], "s-", ms=3, label="m / (1 - beta1**t)")
left.axhline(1, color="0.6", lw=0.8)
left.set_title("running mean of a constant gradient g = 1")
left.set_xlabel("step t")
left.legend()
right.plot(range(1, 101), step_uncorrected, label="without bias correction")
right.plot(range(1, 101), step_taken, label="your Adam")
right.set_title("size of each step, in units of lr")
right.set_xlabel("step t")
right.legend()
fig.tight_layout()
plt.show()
worst = int(np.argmax(step_uncorrected))
print(f"first step of your Adam: {step_taken[0]:.4f} x lr; without correction it would be "
      f"{step_uncorrected[0]:.2f} x lr, and {step_uncorrected[worst]:.2f} x lr at step {worst + 1}")

# %% [markdown]
# Two more details the grader checks. `t` counts **calls** to `step`, once per call, however many
# parameters the dict holds (count it per parameter and the second parameter starts at `t = 2`).
# And `t` must be 1 during the first call: with `t = 0`, `1 - beta1**0 = 0` and the correction
# divides by zero.
#
# ## 5. The three optimizers on the valley
#
# Same start, same number of steps, each with a learning rate that suits it.

# %%
runs = {
    "SGD lr=0.09": run(SGD(learning_rate=0.09), valley_grad, START, STEPS),
    "Momentum lr=0.03, 0.7": run(Momentum(learning_rate=0.03, momentum=0.7), valley_grad, START, STEPS),
    "Adam lr=0.3": run(Adam(learning_rate=0.3), valley_grad, START, STEPS),
}
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
contour(left, valley, (-10, 2), (-3, 3), levels=np.geomspace(0.05, 150, 14))
for label, path in runs.items():
    left.plot(path[:, 0], path[:, 1], ".-", lw=1, ms=3, label=label)
    right.semilogy(valley(path), label=label)
left.plot(0, 0, "k*", ms=10)
left.set_title(f"paths, {STEPS} steps")
right.set_title("loss f(x, y) per step (log scale)")
right.set_xlabel("step")
right.legend(fontsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# Adam heads diagonally at first (every coordinate moves by about `lr`, whatever its slope), then
# turns along the floor. Momentum damps the zig-zag and speeds along the floor. On a log scale,
# a straight falling line means the loss shrinks by a constant factor per step.
#
# Adam is not the winner everywhere: on this small, clean problem a tuned momentum beats it, and
# with a fixed rate Adam keeps taking steps of about `lr` near the minimum. Its strength is that
# one learning rate works for parameters whose gradients differ by orders of magnitude, which is
# common in deep networks.
#
# ## 6. A harder valley: the Rosenbrock function
#
# `f(x, y) = (1 - x)**2 + 100 * (y - x**2)**2` has its minimum at `(1, 1)`, at the end of a curved,
# very flat banana-shaped valley. Finding the valley is easy; following it is slow. The hidden
# checks run your Momentum and Adam from `(-1.5, 2)` with the settings used here and expect them
# to end within 0.01 of `(1, 1)`.

# %%
def rosenbrock(P):
    return (1 - P[:, 0]) ** 2 + 100 * (P[:, 1] - P[:, 0] ** 2) ** 2


def rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


R_STEPS = 3000
runs = {
    "SGD lr=0.001": run(SGD(learning_rate=0.001), rosenbrock_grad, (-1.5, 2.0), R_STEPS),
    "Momentum lr=0.001, 0.9": run(Momentum(learning_rate=0.001, momentum=0.9), rosenbrock_grad, (-1.5, 2.0), R_STEPS),
    "Adam lr=0.02": run(Adam(learning_rate=0.02), rosenbrock_grad, (-1.5, 2.0), R_STEPS),
}
fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
contour(left, rosenbrock, (-2, 2), (-1, 3), levels=np.geomspace(0.01, 2000, 15))
for label, path in runs.items():
    left.plot(path[:, 0], path[:, 1], lw=1, label=label)
    right.semilogy(rosenbrock(path) + 1e-16, label=label)
left.plot(1, 1, "k*", ms=10)
left.set_title(f"paths, {R_STEPS} steps")
right.set_title("loss per step (log scale)")
right.set_xlabel("step")
right.legend(fontsize=8)
fig.tight_layout()
plt.show()
for label, path in runs.items():
    print(f"{label:24s} ends at ({path[-1, 0]:.4f}, {path[-1, 1]:.4f}), "
          f"distance to (1, 1): {np.linalg.norm(path[-1] - 1):.2g}")

# %% [markdown]
# ## 7. Learning-rate schedules
#
# Early in training large steps make fast progress; later, near a minimum, they bounce around it.
# A schedule shrinks the rate as the epochs go by:
#
# * `step_decay(lr0, epoch, drop=0.5, every=10) = lr0 * drop ** (epoch // every)`: constant for
#   10 epochs, then halved. Integer division `//` counts *completed* blocks; with `/` the rate would
#   shrink a little every epoch instead of in steps.
# * `exponential_decay(lr0, epoch, rate=0.05) = lr0 * exp(-rate * epoch)`: the same factor every
#   epoch, `exp(-0.05) = 0.95`.
# * `inverse_time_decay(lr0, epoch, rate=0.1) = lr0 / (1 + rate * epoch)`: fast at first, then
#   slower and slower (after 10 epochs half, after 30 a quarter).
#
# In a training loop, set the optimizer's rate at the start of each epoch:
# `opt.learning_rate = step_decay(0.1, epoch)`.

# %%
epochs = np.arange(50)
fig, ax = plt.subplots(figsize=(8, 3))
for schedule in (step_decay, exponential_decay, inverse_time_decay):
    ax.plot(epochs, [schedule(0.1, int(e)) for e in epochs], drawstyle="steps-post", label=schedule.__name__)
ax.set_title("learning rate per epoch, initial_lr = 0.1 (default settings)")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.legend()
plt.show()

# %% [markdown]
# ## How you are graded
#
# **Before you submit**, run the visible tests in a terminal in this folder: `pytest`.
#
# **After you submit**, hidden checks run your `optimizers.py`:
#
# 1. **Exact paths.** Each optimizer runs 15 steps on quadratics with a `(2,)` and a `(2, 3)` parameter,
#    with the default and with other hyper-parameters. Every position must match a reference
#    implementation of the formulas in the docstrings to a relative error of 1e-10, so follow them
#    exactly (Adam: `eps` outside the square root, the bias correction, `t` counted per call).
# 2. **In place.** After `step`, `params` holds the same array objects, with new values.
# 3. **One state per parameter.** Two parameters with different gradients move as each would alone.
# 4. **Adam's details.** The first step moves every coordinate by `lr`; with a constant gradient every
#    step does; a large `eps` shows whether it sits outside the square root.
# 5. **Convergence.** `Momentum(0.001, 0.9)` within 2000 steps and `Adam(0.02)` within 3000 steps get
#    within 0.01 of the Rosenbrock minimum `(1, 1)` from `(-1.5, 2)`.
# 6. **Schedules.** Each function's values at several epochs, with default and other settings.
