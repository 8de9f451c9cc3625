"""Week 3: optimizers that turn gradients into parameter updates, and learning-rate schedules.

Every optimizer has the same two methods, so a training loop can swap one for
another without other changes:

    opt = Adam(learning_rate=0.001)          # or SGD(...), Momentum(...)
    for batch in batches:
        grads = model_gradients(params, batch)
        opt.step(params, grads)              # changes the arrays inside params

Conventions the grader relies on:
    * ``params`` and ``grads`` are dicts with the same keys; ``grads[name]`` is
      a float array of the same shape as ``params[name]`` (any shape: (2,),
      (3,), (2, 3), ...).
    * ``step`` updates every ``params[name]`` IN PLACE (``params[name] -= ...``
      or ``params[name][...] = ...``): afterwards the dict holds the very same
      array objects, now with new values. A model that keeps its own reference
      to a weight array sees the change only this way. ``step`` returns None.
    * Optimizers with memory (velocity, moments) keep one state array per
      parameter *name*, created the first time ``step`` sees that name as
      zeros of the parameter's shape (``np.zeros_like``). Two parameters never
      share state.
    * Adam's step counter ``t`` counts calls to ``step``: it grows by one per
      call, however many parameters the dict holds, and is 1 during the first call.
    * The three decay functions return ``initial_lr`` scaled for a given
      ``epoch`` (0, 1, 2, ...); they have no state.
"""

import numpy as np


class SGD:
    """Plain gradient descent: every parameter steps against its gradient."""

    def __init__(self, learning_rate=0.01):
        self.learning_rate = learning_rate

    def step(self, params, grads):
        """One update of every parameter, in place: p -= learning_rate * g.

        Args:
            params: dict name -> array (any shape), changed in place.
            grads: dict name -> array, the gradient of the loss for each parameter (same shape).
        """
        ### BEGIN SOLUTION
        # hint: loop over the names in params; update params[name] itself with -= (no new array).
        for name in params:
            params[name] -= self.learning_rate * grads[name]
        ### END SOLUTION


class Momentum:
    """Gradient descent with a velocity per parameter (the week's velocity form)."""

    def __init__(self, learning_rate=0.01, momentum=0.9):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.velocity = {}  # name -> array shaped like the parameter

    def step(self, params, grads):
        """One update of every parameter, in place:

            v = momentum * v - learning_rate * g
            p = p + v

        ``v`` is ``self.velocity[name]``: zeros the first time a name is seen,
        and kept from one call to the next.

        Args:
            params: dict name -> array (any shape), changed in place.
            grads: dict name -> array (same shapes).
        """
        ### BEGIN SOLUTION
        # hint: on first sight of a name, self.velocity[name] = np.zeros_like(params[name]).
        # hint: update that parameter's own velocity, then add it to params[name] in place (+=).
        for name in params:
            if name not in self.velocity:
                self.velocity[name] = np.zeros_like(params[name])
            velocity = self.velocity[name]
            velocity *= self.momentum
            velocity -= self.learning_rate * grads[name]
            params[name] += velocity
        ### END SOLUTION


class Adam:
    """Adam: momentum on the gradient (m) and a per-coordinate step size from its squares (v)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.m = {}  # name -> first moment (running mean of g), shaped like the parameter
        self.v = {}  # name -> second moment (running mean of g**2)
        self.t = 0   # calls to step so far

    def step(self, params, grads):
        """One update of every parameter, in place. With t the number of this call (1, 2, ...):

            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g**2
            m_hat = m / (1 - beta1**t)          # bias correction: m and v start at 0,
            v_hat = v / (1 - beta2**t)          # so early on they are too small
            p = p - learning_rate * m_hat / (sqrt(v_hat) + eps)

        ``m`` and ``v`` are ``self.m[name]`` and ``self.v[name]`` (zeros on first
        sight of a name); ``self.t`` grows by one per call, not per parameter.

        Args:
            params: dict name -> array (any shape), changed in place.
            grads: dict name -> array (same shapes).
        """
        ### BEGIN SOLUTION
        # hint: increment self.t once, before the loop over the parameters.
        # hint: per name: update m and v, bias-correct both with this t, then params[name] -= ... in place.
        # hint: eps goes outside the square root: np.sqrt(v_hat) + eps.
        self.t += 1
        for name in params:
            if name not in self.m:
                self.m[name] = np.zeros_like(params[name])
                self.v[name] = np.zeros_like(params[name])
            m, v, g = self.m[name], self.v[name], grads[name]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g**2
            m_hat = m / (1 - self.beta1**self.t)
            v_hat = v / (1 - self.beta2**self.t)
            params[name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)
        ### END SOLUTION


def step_decay(initial_lr, epoch, drop=0.5, every=10):
    """The rate multiplied by ``drop`` once per ``every`` completed epochs: initial_lr * drop ** (epoch // every).

    Constant within each block of ``every`` epochs (epochs 0-9 give initial_lr, 10-19 half of it, ...).
    """
    lr = None
    ### BEGIN SOLUTION
    # hint: count the completed blocks with integer division (//).
    lr = initial_lr * drop ** (epoch // every)
    ### END SOLUTION
    return lr


def exponential_decay(initial_lr, epoch, rate=0.05):
    """A smooth decay by a constant factor per epoch: initial_lr * exp(-rate * epoch)."""
    lr = None
    ### BEGIN SOLUTION
    # hint: np.exp works for a single epoch and for an array of epochs.
    lr = initial_lr * np.exp(-rate * epoch)
    ### END SOLUTION
    return lr


def inverse_time_decay(initial_lr, epoch, rate=0.1):
    """A decay that slows down over time: initial_lr / (1 + rate * epoch)."""
    lr = None
    ### BEGIN SOLUTION
    # hint: mind the brackets around the denominator.
    lr = initial_lr / (1 + rate * epoch)
    ### END SOLUTION
    return lr
