"""Optimizer math (SEMANTICS.md 4.11), schedules and clipping (4.12), step by step."""
import math

import numpy as np
import pytest

import tensorlite as tl
from tensorlite import nn, optim
from tensorlite.optim import lr_scheduler
from hypothesis import given, settings, strategies as st

GRADS = [np.array([0.5, -1.0]), np.array([0.2, 0.3]), np.array([-0.4, 0.1])]


def trajectory(make, p0=(1.0, -2.0)):
    p = nn.Parameter(tl.tensor(list(p0), dtype=tl.float64))
    opt = make([p])
    out = []
    for g in GRADS:
        p.grad = tl.tensor(g)
        opt.step()
        out.append(p.tolist())
    return np.array(out)


def reference_sgd(lr, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False, p0=(1.0, -2.0)):
    p, buf, out = np.array(p0), None, []
    for g in GRADS:
        d = g + wd * p
        if momentum:
            buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
            d = d + momentum * buf if nesterov else buf
        p = p - lr * d
        out.append(p.copy())
    return np.array(out)


def reference_adam(lr, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, decoupled=False, amsgrad=False, p0=(1.0, -2.0)):
    p, m, v, vmax, out = np.array(p0), 0.0, 0.0, 0.0, []
    for t, g in enumerate(GRADS, start=1):
        if wd and decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = np.maximum(vmax, v)
        denom = np.sqrt((vmax if amsgrad else v) / (1 - b2 ** t)) + eps
        p = p - lr * (m / (1 - b1 ** t)) / denom
        out.append(p.copy())
    return np.array(out)


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, momentum=0.9),
                                    dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01),
                                    dict(lr=0.1, momentum=0.5, nesterov=True)])
def test_sgd_matches_the_formula(kwargs):
    ref = reference_sgd(kwargs["lr"], kwargs.get("momentum", 0), kwargs.get("dampening", 0),
                        kwargs.get("weight_decay", 0), kwargs.get("nesterov", False))
    np.testing.assert_allclose(trajectory(lambda p: optim.SGD(p, **kwargs)), ref, rtol=1e-12)


def test_sgd_maximize_and_nesterov_validation():
    up = trajectory(lambda p: optim.SGD(p, lr=0.1, maximize=True))
    np.testing.assert_allclose(up[0], [1.05, -2.1])
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([nn.Parameter(tl.ones(1))], lr=0.1, nesterov=True)


@pytest.mark.parametrize("make, ref", [
    (lambda p: optim.Adam(p, lr=0.1), lambda: reference_adam(0.1)),
    (lambda p: optim.Adam(p, lr=0.1, weight_decay=0.1), lambda: reference_adam(0.1, wd=0.1)),
    (lambda p: optim.Adam(p, lr=0.1, amsgrad=True), lambda: reference_adam(0.1, amsgrad=True)),
    (lambda p: optim.AdamW(p, lr=0.1), lambda: reference_adam(0.1, wd=0.01, decoupled=True)),
])
def test_adam_family_matches_the_formula(make, ref):
    np.testing.assert_allclose(trajectory(make), ref(), rtol=1e-10)


def test_adam_first_step_is_lr_times_sign_and_adamw_decay():
    first = trajectory(lambda p: optim.Adam(p, lr=0.01))[0]
    np.testing.assert_allclose(first, [1.0 - 0.01, -2.0 + 0.01], rtol=1e-6)
    p = nn.Parameter(tl.ones(1))
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.1)
    p.grad = tl.tensor([0.5])
    opt.step()
    assert p.item() == pytest.approx(0.89, abs=1e-6)


def test_rmsprop_and_adagrad_match_the_formula():
    p, sq, out = np.array([1.0, -2.0]), 0.0, []
    for g in GRADS:
        sq = 0.99 * sq + 0.01 * g * g
        p = p - 0.01 * g / (np.sqrt(sq) + 1e-8)
        out.append(p.copy())
    np.testing.assert_allclose(trajectory(lambda q: optim.RMSprop(q, lr=0.01)), out, rtol=1e-10)
    p, acc, out = np.array([1.0, -2.0]), 0.1, []
    for step, g in enumerate(GRADS, start=1):
        acc = acc + g * g
        p = p - 0.1 / (1 + (step - 1) * 0.01) * g / (np.sqrt(acc) + 1e-10)
        out.append(p.copy())
    np.testing.assert_allclose(trajectory(lambda q: optim.Adagrad(q, lr=0.1, lr_decay=0.01,
                                                                   initial_accumulator_value=0.1)), out, rtol=1e-10)


class TestOptimizerState:
    def test_state_dict_layout(self):
        a, b, c = (nn.Parameter(tl.ones(2)) for _ in range(3))
        opt = optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
        for p in (a, b, c):
            p.grad = tl.ones(2)
        opt.step()
        sd = opt.state_dict()
        assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
        assert set(sd["state"]) == {0, 1, 2} and set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
        assert isinstance(sd["state"][0]["step"], tl.Tensor) and sd["param_groups"][1]["lr"] == 0.5

    def test_load_state_dict_continues_identically(self):
        def run(resume):
            tl.manual_seed(0)
            p = nn.Parameter(tl.tensor([1.0, 2.0], dtype=tl.float64))
            opt = optim.Adam([p], lr=0.1)
            for i, g in enumerate(GRADS):
                if resume and i == 2:
                    saved_p, saved = p.detach().clone(), opt.state_dict()
                    p = nn.Parameter(saved_p)
                    opt = optim.Adam([p], lr=0.1)
                    opt.load_state_dict(saved)
                p.grad = tl.tensor(g)
                opt.step()
            return p.tolist()
        assert run(False) == run(True)

    def test_skips_params_without_grad_and_zero_grad(self):
        a, b = nn.Parameter(tl.ones(1)), nn.Parameter(tl.ones(1))
        opt = optim.SGD([a, b], lr=1.0)
        a.grad = tl.ones(1)
        opt.step()
        assert a.item() == 0.0 and b.item() == 1.0
        opt.zero_grad()
        assert a.grad is None

    def test_param_group_errors(self):
        p = nn.Parameter(tl.ones(1))
        with pytest.raises(ValueError, match="more than one parameter group"):
            optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
        with pytest.raises(ValueError, match="empty parameter list"):
            optim.SGD([], lr=0.1)
        with pytest.raises(ValueError, match="non-leaf"):
            optim.SGD([p * 2], lr=0.1)
        opt = optim.SGD([p], lr=0.1)
        opt.param_groups[0]["lr"] = 0.5  # hyperparameters are mutable
        p.grad = tl.ones(1)
        opt.step()
        assert p.item() == 0.5


def lrs(make, steps):
    p = nn.Parameter(tl.ones(1))
    opt = optim.SGD([p], lr=1.0)
    sched = make(opt)
    out = []
    for _ in range(steps):
        out.append(round(opt.param_groups[0]["lr"], 3))
        opt.step()
        sched.step()
    return out


@pytest.mark.parametrize("make, steps, expected", [
    (lambda o: lr_scheduler.StepLR(o, 2, 0.1), 5, [1, 1, 0.1, 0.1, 0.01]),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=4), 6, [1, 0.854, 0.5, 0.146, 0, 0.146]),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=1, total_steps=10), 10,
     [0.04, 0.52, 1, 0.95, 0.812, 0.611, 0.389, 0.188, 0.05, 0.0]),
    (lambda o: lr_scheduler.MultiStepLR(o, [1, 3], 0.5), 4, [1, 0.5, 0.5, 0.25]),
    (lambda o: lr_scheduler.ExponentialLR(o, 0.5), 3, [1, 0.5, 0.25]),
    (lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)), 3, [1, 0.5, 0.333]),
    (lambda o: lr_scheduler.LinearLR(o, 0.5, 1.0, 2), 4, [0.5, 0.75, 1, 1]),
])
def test_schedules(make, steps, expected):
    assert lrs(make, steps) == pytest.approx(expected, abs=1e-3)


def test_reduce_on_plateau_and_state():
    p = nn.Parameter(tl.ones(1))
    opt = optim.SGD([p], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    seen = []
    for _ in range(5):
        sched.step(1.0)
        seen.append(round(opt.param_groups[0]["lr"], 4))
    assert seen == [1, 1, 0.1, 0.1, 0.01]
    assert sched.get_last_lr() == [pytest.approx(0.01)]
    step = lr_scheduler.StepLR(optim.SGD([p], lr=1.0), 3)
    assert step.state_dict()["step_size"] == 3 and "optimizer" not in step.state_dict()


def test_scheduler_before_optimizer_warns():
    opt = optim.SGD([nn.Parameter(tl.ones(1))], lr=1.0)
    sched = lr_scheduler.StepLR(opt, 1)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


class TestClipping:
    def test_clip_grad_norm(self):
        a, b = nn.Parameter(tl.zeros(2)), nn.Parameter(tl.zeros(1))
        a.grad, b.grad = tl.tensor([3.0, 0.0]), tl.tensor([4.0])
        total = nn.utils.clip_grad_norm_([a, b], 1.0)
        assert total.item() == 5.0
        assert a.grad.tolist() == pytest.approx([0.6, 0.0], abs=1e-6) and b.grad.tolist() == pytest.approx([0.8], abs=1e-6)
        a.grad = tl.tensor([math.inf, 0.0])
        with pytest.raises(RuntimeError, match="non-finite"):
            nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
            tl.synchronize()  # OpenCL: the device's error flag is read at the next sync

    def test_clip_value_and_vectors(self):
        a = nn.Parameter(tl.zeros(3))
        a.grad = tl.tensor([-2.0, 0.5, 3.0])
        nn.utils.clip_grad_value_([a], 1.0)
        assert a.grad.tolist() == [-1.0, 0.5, 1.0]
        layer = nn.Linear(2, 2)
        vec = nn.utils.parameters_to_vector(layer.parameters())
        assert vec.shape == (6,)
        nn.utils.vector_to_parameters(tl.arange(6.0), layer.parameters())
        assert layer.bias.tolist() == [4.0, 5.0]


class TestAdamStepOp:
    """ops.optim_steps.adam_step_: the fused step as a no-grad in-place op through the door."""

    def _state(self, device=None):
        p = nn.Parameter(tl.tensor([1.0, -2.0], device=device))
        return p, tl.tensor([0.5, -1.0], device=device), tl.zeros(2, device=device), tl.zeros(2, device=device)

    def test_bumps_the_version_of_every_tensor_it_writes(self):
        from tensorlite.ops.optim_steps import adam_step_
        p, g, m, v = self._state()
        saved = p * p  # saves p for backward
        before = [t._version for t in (p, m, v)]
        t = tl.tensor(0.0)
        with pytest.raises(RuntimeError, match=r"leaf Variable that requires grad .*\(adam_step_\)"):
            adam_step_(p, g, m, v, None, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
        assert p._version == 0 and t.item() == 0.0  # refused before anything was written
        with tl.no_grad():  # as an optimizer step runs it
            adam_step_(p, g, m, v, None, t, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
        assert [t._version for t in (p, m, v)] == [b + 1 for b in before] and g._version == 0
        assert t.item() == 1.0 and t._version == 1
        assert p.tolist() == pytest.approx([0.9, -1.9], rel=1e-6)  # the first step is lr * sign(g)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            saved.sum().backward()

    @settings(deadline=None)
    @given(lr=st.floats(1e-4, 1.0), beta1=st.sampled_from([0.0, 0.5, 0.9]),
           beta2=st.sampled_from([0.0, 0.9, 0.999]), eps=st.sampled_from([1e-8, 1e-3]),
           weight_decay=st.sampled_from([0.0, 0.1]), amsgrad=st.booleans(), decoupled=st.booleans(),
           maximize=st.booleans())
    def test_composed_reference_matches_the_fused_step(self, lr, beta1, beta2, eps, weight_decay,
                                                        amsgrad, decoupled, maximize):
        """The fused kernel of the default device against the tensor-op composition (float64,
        so the OpenCL kernel's on-device bias corrections are held to 1e-10 too)."""
        kwargs = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                      maximize=maximize, decoupled_weight_decay=decoupled)
        fused = trajectory(lambda p: optim.Adam(p, **kwargs))
        backend_class = type(tl.get_default_device().backend)
        real = backend_class.adam_step
        assert real is not None
        try:  # adam_step_ composes tensor ops when the backend has no fused step
            backend_class.adam_step = None
            composed = trajectory(lambda p: optim.Adam(p, **kwargs))
        finally:
            backend_class.adam_step = real
        np.testing.assert_allclose(fused, composed, rtol=1e-10, atol=1e-12)

    def test_step_counts_live_on_the_parameters_device(self):
        p = nn.Parameter(tl.ones(2))
        for make in (lambda q: optim.Adam(q), lambda q: optim.RMSprop(q), lambda q: optim.Adagrad(q)):
            opt = make([p])
            for _ in range(3):
                p.grad = tl.ones(2)
                opt.step()
            step = opt.state[p]["step"]
            assert step.device == p.device and step.dtype == tl.float32 and step.item() == 3.0


def test_batchnorm_cumulative_average_on_the_device():
    """momentum=None: running stats are the plain average of the batch statistics (PyTorch's
    cumulative moving average), with 1 / num_batches_tracked computed on the device."""
    bn = nn.BatchNorm1d(3, momentum=None)
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((8, 3)) * (i + 1) for i in range(4)]
    for b in batches:
        bn(tl.tensor(b, dtype=tl.float32))
    means = np.mean([b.mean(0) for b in batches], axis=0)
    variances = np.mean([b.var(0, ddof=1) for b in batches], axis=0)
    np.testing.assert_allclose(bn.running_mean.numpy(), means, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.numpy(), variances, rtol=1e-5, atol=1e-6)
    assert bn.num_batches_tracked.item() == 4


# Trajectories of PyTorch 2.13 (CPU, float64, foreach=False), produced by
#   torch.set_default_dtype(torch.float64); p = nn.Parameter(torch.tensor([1.0, -2.0]))
#   opt = torch.optim.NAME([p], foreach=False, **kwargs)
#   for g in GRADS * 3: p.grad = torch.tensor(g); opt.step(); out.append(p.tolist())
# rounded to 12 decimals. Nine steps: RAdam crosses its rho_t > 5 threshold inside them.
PINNED = [
    ('Adadelta', {'lr': 1.0}, [[0.996837785583, -1.996837738151], [0.995100346768, -1.998186127695], [0.99807360482, -1.998666806937], [0.994583451528, -1.995346246786], [0.992936228277, -1.996599147021], [0.995968609985, -1.997034800102], [0.992339711969, -1.993632833331], [0.990698619027, -1.994858596458], [0.993783299872, -1.995280984135]]),
    ('Adadelta', {'lr': 0.5, 'rho': 0.8, 'eps': 0.001, 'weight_decay': 0.1, 'maximize': True}, [[1.034815531191, -2.035218036253], [1.047510699541, -2.006592803108], [1.00700061592, -1.986819005689], [1.04342554687, -2.027325767109], [1.054034586733, -1.997276576752], [1.010901139268, -1.977511668872], [1.048414541738, -2.020757145027], [1.058845701547, -1.989566267126], [1.014070062833, -1.969384020599]]),
    ('Adamax', {'lr': 0.1}, [[0.900000002, -1.900000001], [0.831510461196, -1.86838944339], [0.817829977651, -1.852120760093], [0.779068710616, -1.811527564802], [0.739965849409, -1.788149445885], [0.726285365864, -1.771880762588], [0.696081271457, -1.739588756212], [0.664125231404, -1.718212760971], [0.650444747859, -1.701944077674]]),
    ('Adamax', {'lr': 0.1, 'betas': (0.8, 0.9), 'eps': 0.001, 'weight_decay': 0.1}, [[0.900166389351, -1.900083263947], [0.821078383873, -1.856394962717], [0.795980132196, -1.824138981717], [0.748247893449, -1.77275891106], [0.695343444998, -1.736080335562], [0.671541003323, -1.704291524788], [0.631562074531, -1.65957646259], [0.585448444284, -1.62488833849], [0.563186887015, -1.5937281274]]),
    ('NAdam', {'lr': 0.1}, [[0.894354824277, -1.894354823221], [0.849672893609, -1.918355041012], [0.909915947437, -1.92493645573], [0.834091890292, -1.836978826956], [0.795529994187, -1.855802982574], [0.849035725423, -1.859275098706], [0.772226909261, -1.766451468059], [0.733052303326, -1.783647180287], [0.784967847583, -1.785320957398]]),
    ('NAdam', {'lr': 0.1, 'momentum_decay': 0.1, 'weight_decay': 0.1}, [[0.894293755235, -1.894293754354], [0.843215338599, -1.897496206785], [0.882936743177, -1.883174984328], [0.802520281834, -1.792323547966], [0.755125627493, -1.790514440626], [0.788980351168, -1.773377374418], [0.706630402487, -1.676364768412], [0.657982623669, -1.671721061596], [0.690388099647, -1.6523444236]]),
    ('NAdam', {'lr': 0.1, 'weight_decay': 0.1, 'decoupled_weight_decay': True, 'maximize': True}, [[1.095645175723, -2.085645176779], [1.129370654634, -2.04078850722], [1.057833894259, -2.01379920743], [1.123079612461, -2.08161884413], [1.150410712443, -2.041978500071], [1.085400874082, -2.018086598938], [1.151355681503, -2.090729363595], [1.179016730623, -2.052626357731], [1.11531101906, -2.030426317043]]),
    ('RAdam', {'lr': 0.1}, [[0.95, -1.9], [0.915789473684, -1.868421052632], [0.908962905419, -1.85218489027], [0.889582271513, -1.811591694574], [0.87005039195, -1.788236953542], [0.869595220465, -1.787544296707], [0.868375455942, -1.78598065526], [0.866771997642, -1.784690419256], [0.865994522411, -1.783507296987]]),
    ('RAdam', {'lr': 0.1, 'betas': (0.8, 0.9), 'weight_decay': 0.1}, [[0.94, -1.88], [0.897, -1.832888888889], [0.884340163934, -1.801672131148], [0.856035488582, -1.741051591709], [0.827654754349, -1.702209379115], [0.820160814383, -1.690439376254], [0.802706198481, -1.668375084812], [0.779806693412, -1.648272575352], [0.767160218742, -1.628058949868]]),
    ('RAdam', {'lr': 0.1, 'betas': (0.9, 0.7), 'weight_decay': 0.1, 'decoupled_weight_decay': True}, [[0.94, -1.88], [0.896389473684, -1.829621052632], [0.880599010682, -1.795088679744], [0.85241238667, -1.73654459725], [0.82435638324, -1.695824410245], [0.809286251142, -1.662630003781], [0.786091341125, -1.613711697045], [0.762268385387, -1.576219960615], [0.747819133268, -1.544221598647]]),
]


@pytest.mark.parametrize("name, kwargs, expected", PINNED,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(PINNED)])
def test_adadelta_adamax_nadam_radam_follow_pytorch(name, kwargs, expected):
    p = nn.Parameter(tl.tensor([1.0, -2.0], dtype=tl.float64))
    opt = getattr(optim, name)([p], **kwargs)
    out = []
    for g in GRADS * 3:
        p.grad = tl.tensor(g)
        opt.step()
        out.append(p.tolist())
    # float32 scalars off the CPU (step, bias corrections, rho_t, mu): a float32 tolerance there
    tol = dict(rtol=1e-10, atol=1e-11) if p.device.type == "cpu" else dict(rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(out, expected, **tol)


def test_radam_branch_is_a_device_select():
    """rho_t <= 5 (first steps): p -= lr m_hat, eps ignored; rho_t > 5 later: the rectified step."""
    p = nn.Parameter(tl.tensor([1.0], dtype=tl.float64))
    opt = optim.RAdam([p], lr=0.1, eps=1e6)  # a huge eps only matters on the rectified branch
    for _ in range(5):
        p.grad = tl.tensor([1.0], dtype=tl.float64)
        opt.step()
    np.testing.assert_allclose(p.tolist(), [0.5], rtol=1e-6)  # m_hat is exactly g: 5 steps of lr
    p.grad = tl.tensor([1.0], dtype=tl.float64)
    opt.step()  # rho_6 > 5: the step is scaled by ~1 / eps
    assert 0.5 - 1e-5 < p.item() < 0.5


def test_nadam_state_and_new_optimizer_errors():
    p = nn.Parameter(tl.ones(2))
    opt = optim.NAdam([p], lr=0.1)
    p.grad = tl.ones(2)
    opt.step()
    state = opt.state[p]
    assert state["mu_product"].shape == () and state["mu_product"].device == p.device
    # mu_1 = 0.9 (1 - 0.5 * 0.96 ** 0.004)
    assert state["mu_product"].tolist() == pytest.approx(0.9 * (1 - 0.5 * 0.96 ** 0.004), rel=1e-6)
    with pytest.raises(ValueError, match="Invalid momentum_decay value: -1"):
        optim.NAdam([p], momentum_decay=-1)
    with pytest.raises(ValueError, match="Invalid rho value: 1.5"):
        optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.RAdam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid epsilon value: -1"):
        optim.Adamax([p], eps=-1)
    assert optim.Adamax([p]).defaults["lr"] == 2e-3 and optim.NAdam([p]).defaults["lr"] == 2e-3
    assert optim.Adadelta([p]).defaults["lr"] == 1.0 and optim.RAdam([p]).defaults["lr"] == 1e-3


def scheduled(make, steps=12, adam=False, epochs=None):
    """(lr, momentum or beta1) after each of ``steps`` optimizer+scheduler steps."""
    p = nn.Parameter(tl.zeros(2))
    opt = optim.Adam([p], lr=0.5) if adam else optim.SGD([p], lr=0.5, momentum=0.9)
    sched = make(opt)
    out = []
    for i in range(steps):
        opt.step()
        sched.step() if epochs is None else sched.step(epochs[i])
        group = opt.param_groups[0]
        out.append((sched.get_last_lr()[0], group["betas"][0] if adam else group["momentum"]))
    return out


# (lr, momentum/beta1) sequences of PyTorch 2.13's schedulers, produced by the same loop with
# torch (p = torch.zeros(2, requires_grad=True); torch.optim.SGD([p], lr=0.5, momentum=0.9) or
# torch.optim.Adam([p], lr=0.5); torch.optim.lr_scheduler.X), rounded to 12 decimals.
S = lr_scheduler
PINNED_SCHEDULES = [
    ("poly", lambda o: S.PolynomialLR(o, total_iters=6, power=1.5), {},
     [(0.380362887156, 0.9), (0.272165526976, 0.9), (0.176776695297, 0.9), (0.096225044865, 0.9), (0.034020690872, 0.9), (0.0, 0.9), (0.0, 0.9), (0.0, 0.9), (0.0, 0.9), (0.0, 0.9), (0.0, 0.9), (0.0, 0.9)]),
    ("cawr", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01), {},
     [(0.3775, 0.9), (0.1325, 0.9), (0.5, 0.9), (0.467176223927, 0.9), (0.3775, 0.9), (0.255, 0.9), (0.1325, 0.9), (0.042823776073, 0.9), (0.5, 0.9), (0.491651827441, 0.9), (0.467176223927, 0.9), (0.428241161391, 0.9)]),
    ("cawr fractional epochs", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=3),
     dict(steps=6, epochs=[0.5, 1.7, 2.0, 5.3, 9.9, 1.2]),
     [(0.426776695297, 0.9), (0.027248368953, 0.9), (0.5, 0.9), (0.21089138374, 0.9), (0.4863796439, 0.9), (0.172745751406, 0.9)]),
    ("cawr fractional epochs T_mult=1", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2),
     dict(steps=4, epochs=[0.5, 3.5, 7.25, 1.0]),
     [(0.426776695297, 0.9), (0.073223304703, 0.9), (0.154329141909, 0.9), (0.25, 0.9)]),
    ("cyclic triangular", lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=3, step_size_down=2), {},
     [(0.4, 0.866666666667), (0.7, 0.833333333333), (1.0, 0.8), (0.55, 0.85), (0.1, 0.9), (0.4, 0.866666666667), (0.7, 0.833333333333), (1.0, 0.8), (0.55, 0.85), (0.1, 0.9), (0.4, 0.866666666667), (0.7, 0.833333333333)]),
    ("cyclic triangular2", lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=2, mode="triangular2"), {},
     [(0.55, 0.85), (1.0, 0.8), (0.55, 0.85), (0.1, 0.9), (0.325, 0.875), (0.55, 0.85), (0.325, 0.875), (0.1, 0.9), (0.2125, 0.8875), (0.325, 0.875), (0.2125, 0.8875), (0.1, 0.9)]),
    ("cyclic exp_range", lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=2, mode="exp_range", gamma=0.9), {},
     [(0.505, 0.855), (0.829, 0.819), (0.42805, 0.86355), (0.1, 0.9), (0.3657205, 0.8704755), (0.5782969, 0.8468559), (0.315233605, 0.876085155), (0.1, 0.9), (0.27433922005, 0.88062897555), (0.41381059609, 0.86513215599), (0.241214768241, 0.884309470195), (0.1, 0.9)]),
    ("cyclic adam beta1", lambda o: S.CyclicLR(o, 0.1, 1.0, step_size_up=2, base_momentum=0.7, max_momentum=0.95),
     dict(adam=True),
     [(0.55, 0.825), (1.0, 0.7), (0.55, 0.825), (0.1, 0.95), (0.55, 0.825), (1.0, 0.7), (0.55, 0.825), (0.1, 0.95), (0.55, 0.825), (1.0, 0.7), (0.55, 0.825), (0.1, 0.95)]),
    ("sequential", lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.25, total_iters=3), S.ExponentialLR(o, 0.8),
                                                S.StepLR(o, 2, 0.5)], milestones=[3, 7]), {},
     [(0.25, 0.9), (0.375, 0.9), (0.5, 0.9), (0.4, 0.9), (0.32, 0.9), (0.256, 0.9), (0.5, 0.9), (0.5, 0.9), (0.25, 0.9), (0.25, 0.9), (0.125, 0.9), (0.125, 0.9)]),
    ("chained", lambda o: S.ChainedScheduler([S.LinearLR(o, 0.25, total_iters=3), S.ExponentialLR(o, 0.8)]), {},
     [(0.2, 0.9), (0.24, 0.9), (0.256, 0.9), (0.2048, 0.9), (0.16384, 0.9), (0.131072, 0.9), (0.1048576, 0.9), (0.08388608, 0.9), (0.067108864, 0.9), (0.0536870912, 0.9), (0.04294967296, 0.9), (0.034359738368, 0.9)]),
]


PINNED_SCHEDULES += [
    ("constant", lambda o: S.ConstantLR(o, factor=0.3, total_iters=4), {},
     [(0.15, 0.9), (0.15, 0.9), (0.15, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9), (0.5, 0.9)]),
    ("constant epochs (closed form)", lambda o: S.ConstantLR(o, factor=0.3, total_iters=4),
     dict(steps=4, epochs=[2, 5, 1, 4]), [(0.15, 0.9), (0.5, 0.9), (0.15, 0.9), (0.5, 0.9)]),
    ("multiplicative", lambda o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.1), {},
     [(0.45, 0.9), (0.495, 0.9), (0.4455, 0.9), (0.49005, 0.9), (0.441045, 0.9), (0.4851495, 0.9), (0.43663455, 0.9), (0.480298005, 0.9), (0.4322682045, 0.9), (0.47549502495, 0.9), (0.427945522455, 0.9), (0.470740074701, 0.9)]),
    ("sequential constant multiplicative", lambda o: S.SequentialLR(o, [S.ConstantLR(o, 0.2, total_iters=2),
                                                                      S.MultiplicativeLR(o, lambda e: 0.8)], milestones=[3]), {},
     [(0.1, 0.9), (0.5, 0.9), (0.4, 0.9), (0.32, 0.9), (0.256, 0.9), (0.2048, 0.9), (0.16384, 0.9), (0.131072, 0.9), (0.1048576, 0.9), (0.08388608, 0.9), (0.067108864, 0.9), (0.0536870912, 0.9)]),
]


@pytest.mark.parametrize("name, make, kwargs, expected", PINNED_SCHEDULES, ids=[c[0] for c in PINNED_SCHEDULES])
def test_new_schedulers_follow_pytorch(name, make, kwargs, expected):
    np.testing.assert_allclose(scheduled(make, **kwargs), expected, rtol=1e-10, atol=1e-11)


def test_step_with_an_epoch_uses_the_closed_form():
    """step(epoch) jumps by the closed form (PyTorch's _get_closed_form_lr): what SequentialLR
    relies on to restart a scheduler at its milestone."""
    for make, epoch, factor in [(lambda o: S.StepLR(o, 2, 0.5), 5, 0.25),
                                (lambda o: S.ExponentialLR(o, 0.5), 3, 0.125),
                                (lambda o: S.MultiStepLR(o, [1, 3, 3], 0.5), 3, 0.125),
                                (lambda o: S.LinearLR(o, 0.5, total_iters=4), 2, 0.75),
                                (lambda o: S.CosineAnnealingLR(o, T_max=4), 2, 0.5),
                                (lambda o: S.PolynomialLR(o, total_iters=4, power=2.0), 2, 0.25)]:
        opt = optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
        sched = make(opt)
        opt.step()
        sched.step()
        sched.step(epoch)
        assert sched.get_last_lr() == [pytest.approx(factor)], make


def test_new_scheduler_errors_and_state():
    opt = optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="Expected positive integer T_0, but got 0"):
        S.CosineAnnealingWarmRestarts(opt, T_0=0)
    with pytest.raises(ValueError, match="Expected integer T_mult >= 1, but got 1.5"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=1.5)
    with pytest.raises(ValueError, match="Expected non-negative epoch, but got -1"):
        S.CosineAnnealingWarmRestarts(opt, T_0=2).step(-1)
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        S.CyclicLR(opt, 0.1, 1.0, mode="sawtooth")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        S.CyclicLR(opt, 0.1, [1.0, 2.0])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.CyclicLR(optim.Adagrad([nn.Parameter(tl.zeros(1))]), 0.1, 1.0)
    with pytest.raises(ValueError, match="one more than the number of milestone points"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], milestones=[])
    other = optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="belong to the same optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(other, 2)])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.ReduceLROnPlateau(opt)], milestones=[2])
    with pytest.raises(ValueError, match="at least one scheduler"):
        S.ChainedScheduler([], optimizer=opt)
    seq = S.SequentialLR(opt, [S.ExponentialLR(opt, 0.5), S.StepLR(opt, 2)], milestones=[2])
    saved = seq.state_dict()
    assert "optimizer" not in saved and len(saved["_schedulers"]) == 2
    opt.step()
    seq.step()
    seq.load_state_dict(saved)
    assert seq.last_epoch == 0 and seq._schedulers[0].last_epoch == 0
    cyclic = S.CyclicLR(opt, 0.1, 1.0, scale_fn=lambda x: 0.5)
    assert "scale_fn" not in cyclic.state_dict()


def rosenbrock_lbfgs(**kwargs):
    """Four LBFGS steps on a Rosenbrock valley plus a coupled term, over two parameters:
    [loss returned, a0, a1, b0, func_evals, n_iter] after each."""
    a = nn.Parameter(tl.tensor([-1.2, 1.0], dtype=tl.float64))
    b = nn.Parameter(tl.tensor([0.5], dtype=tl.float64))
    opt = optim.LBFGS([a, b], **kwargs)

    def closure():
        opt.zero_grad()
        x, y = a[0], a[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2 + (b[0] - x) ** 2 * 3
        loss.backward()
        return loss
    out = []
    for _ in range(4):
        loss = opt.step(closure)
        out.append([float(loss), *a.tolist(), *b.tolist(), opt.state[a]["func_evals"], opt.state[a]["n_iter"]])
    return out


# PyTorch 2.13's LBFGS on the same problem (float64; the same function with torch tensors,
# torch.optim.LBFGS([a, b], **kwargs)), rounded to 12 decimals: the evaluation and iteration
# counts pin the branches taken (history, line search, stopping rules).
PINNED_LBFGS = [
    ({'lr': 1.0},
     [[32.87, -0.293142882183, 0.099696259542, -0.394556942925, 20, 20], [1.722016370102, 0.281073759394, 0.065523534876, 0.272253294076, 40, 40], [0.535256478707, 1.03481023924, 1.044868541988, 1.034793320124, 60, 60], [0.068623069552, 1.000004370336, 1.000007998691, 1.000004386528, 72, 72]]),
    ({'lr': 0.5, 'history_size': 2, 'max_iter': 7},
     [[32.87, -1.009864094692, 1.023175379352, 0.420903750441, 7, 7], [10.18196573517, -0.63514387219, 0.43814741753, -0.787559307606, 14, 14], [2.864071408358, -0.548481333859, 0.284018491002, -0.801919010932, 21, 21], [2.618755056934, 0.10524022803, 0.03186758894, 0.188473667507, 28, 28]]),
    ({'line_search_fn': 'strong_wolfe'},
     [[32.87, 0.140129031222, 0.024019569546, 0.165689324189, 25, 20], [0.743259509409, 0.999946873378, 0.999908235114, 0.9999541596, 50, 40], [2.3965e-08, 1.000001242456, 1.000002473935, 1.000003472791, 52, 42], [1.6e-11, 1.000001242456, 1.000002473935, 1.000003472791, 53, 43]]),
    ({'line_search_fn': 'strong_wolfe', 'history_size': 3, 'max_iter': 10, 'lr': 0.8},
     [[32.87, -0.509945543655, 0.26302948257, -0.735123404506, 12, 9], [2.432941789326, 0.284432026788, 0.067313414411, 0.258138137878, 24, 16], [0.532575448669, 0.859017896157, 0.731024041719, 0.860983700907, 36, 26], [0.024631593681, 0.999088575889, 0.9981208296, 0.998882472824, 49, 35]]),
]


@pytest.mark.parametrize("kwargs, expected", PINNED_LBFGS, ids=[str(k) for k, _ in PINNED_LBFGS])
def test_lbfgs_follows_pytorch(kwargs, expected):
    got = rosenbrock_lbfgs(**kwargs)
    assert [row[-2:] for row in got] == [row[-2:] for row in expected]
    # an ill-conditioned valley amplifies the last bits of the dot products' summation order
    np.testing.assert_allclose([row[:-2] for row in got], [row[:-2] for row in expected],
                               rtol=1e-8, atol=1e-9)


def test_lbfgs_errors_and_early_exit():
    a = nn.Parameter(tl.tensor([1.0, 2.0], dtype=tl.float64))
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [a]}, {"params": [nn.Parameter(tl.ones(1))]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([a], lr=-1)
    assert optim.LBFGS([a], max_iter=8).defaults["max_eval"] == 10
    opt = optim.LBFGS([a], line_search_fn="backtracking")

    def closure():
        opt.zero_grad()
        loss = (a * a).sum()
        loss.backward()
        return loss
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    with tl.no_grad():
        a.zero_()
    opt = optim.LBFGS([a])
    assert float(opt.step(closure)) == 0.0  # a zero gradient: one evaluation, no iteration
    assert opt.state[a]["func_evals"] == 1 and opt.state[a]["n_iter"] == 0


def reference_step(name, hp, p, g, state, t):
    """One float64 step of the documented algorithm (PyTorch's docs for each optimizer)."""
    lr, wd = hp["lr"], hp.get("weight_decay", 0.0)
    if wd and hp.get("decoupled_weight_decay"):
        p = p * (1 - lr * wd)
    elif wd:
        g = g + wd * p
    if name == "Adadelta":
        rho, eps = hp["rho"], hp["eps"]
        state["v"] = rho * state.get("v", 0.0) + (1 - rho) * g * g
        delta = np.sqrt(state.get("u", 0.0) + eps) / np.sqrt(state["v"] + eps) * g
        state["u"] = rho * state.get("u", 0.0) + (1 - rho) * delta * delta
        return p - lr * delta
    b1, b2 = hp["betas"]
    state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
    if name == "Adamax":
        state["u"] = np.maximum(b2 * state.get("u", 0.0), np.abs(g) + hp["eps"])
        return p - lr / (1 - b1 ** t) * state["m"] / state["u"]
    state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
    if name == "NAdam":
        mu = b1 * (1 - 0.5 * 0.96 ** (t * hp["momentum_decay"]))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * hp["momentum_decay"]))
        state["prod"] = state.get("prod", 1.0) * mu
        denom = np.sqrt(state["v"] / (1 - b2 ** t)) + hp["eps"]
        return (p - lr * (1 - mu) / (1 - state["prod"]) * g / denom
                - lr * mu_next / (1 - state["prod"] * mu_next) * state["m"] / denom)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    m_hat = state["m"] / (1 - b1 ** t)
    if rho_t <= 5:
        return p - lr * m_hat
    rect = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
    return p - lr * m_hat * rect * np.sqrt(1 - b2 ** t) / (np.sqrt(state["v"]) + hp["eps"])


@st.composite
def new_optimizer_hyperparameters(draw):
    name = draw(st.sampled_from(["Adadelta", "Adamax", "NAdam", "RAdam"]))
    hp = dict(lr=draw(st.floats(1e-3, 1.0)), weight_decay=draw(st.sampled_from([0.0, 0.1])),
              eps=draw(st.sampled_from([1e-8, 1e-3])))
    if name == "Adadelta":
        hp["rho"] = draw(st.floats(0.0, 1.0))
    else:
        # beta2 down to 0.55: RAdam's rho_inf = 2 / (1 - beta2) - 1 drops near 5, so the
        # rectification branch changes at varied steps (or never is taken)
        hp["betas"] = (draw(st.floats(0.0, 0.99)), draw(st.floats(0.55, 0.999)))
    if name == "NAdam":
        hp["momentum_decay"] = draw(st.sampled_from([4e-3, 0.1, 1.0]))
    if name in ("NAdam", "RAdam"):
        hp["decoupled_weight_decay"] = draw(st.booleans())
    return name, hp


@settings(max_examples=60, deadline=None)
@given(case=new_optimizer_hyperparameters(), maximize=st.booleans(),
       grads=st.lists(st.lists(st.floats(-3, 3), min_size=3, max_size=3), min_size=1, max_size=12))
def test_new_optimizers_match_the_documented_algorithm(case, maximize, grads):
    name, hp = case
    p = nn.Parameter(tl.tensor([0.5, -1.0, 2.0], dtype=tl.float64))
    opt = getattr(optim, name)([p], maximize=maximize, **hp)
    ref, state = np.array([0.5, -1.0, 2.0]), {}
    for t, g in enumerate(grads, start=1):
        p.grad = tl.tensor(g, dtype=tl.float64)
        opt.step()
        ref = reference_step(name, hp, ref, -np.array(g) if maximize else np.array(g), state, t)
    tol = dict(rtol=1e-9, atol=1e-12) if p.device.type == "cpu" else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p.tolist(), ref, **tol)


def _run_resuming(make, grads, resume: bool) -> list:
    """The parameter after steps on grads * 3; with ``resume``, the optimizer is rebuilt from its
    state_dict (and the parameter from its values) after the fourth step."""
    p = nn.Parameter(tl.tensor([1.0, 2.0]))
    opt = make([p])
    for i, g in enumerate(grads * 3):
        if resume and i == 4:
            saved_p, saved = p.detach().clone(), opt.state_dict()
            p = nn.Parameter(saved_p)
            opt = make([p])
            opt.load_state_dict(saved)
        p.grad = tl.tensor(g, dtype=tl.float32)
        opt.step()
    return p.tolist()


@pytest.mark.parametrize("make", [lambda p: optim.Adadelta(p, weight_decay=0.1), lambda p: optim.Adamax(p, lr=0.1),
                                  lambda p: optim.NAdam(p, lr=0.1), lambda p: optim.RAdam(p, lr=0.1)],
                         ids=["Adadelta", "Adamax", "NAdam", "RAdam"])
def test_new_optimizers_resume_from_a_state_dict_identically(make):
    assert _run_resuming(make, GRADS, False) == _run_resuming(make, GRADS, True)


# PyTorch 2.13 (CPU, float64, foreach=False) as for PINNED above, with gradients that flip sign
# and hit zero (Rprop's three cases); the last entry is ASGD's state["ax"] after the nine steps.
FLIP_GRADS = [[0.5, -1.0], [-0.25, 0.75], [1.5, 0.0]]
PINNED_RPROP_ASGD = [
    ('Rprop', {'lr': 0.1}, [[0.9, -1.9], [0.9, -1.9], [0.85, -1.9], [0.79, -1.85], [0.79, -1.85], [0.76, -1.85], [0.724, -1.825], [0.724, -1.825], [0.706, -1.825]], None),
    ('Rprop', {'lr': 0.05, 'etas': (0.3, 1.5), 'step_sizes': (0.01, 0.2), 'maximize': True}, [[1.05, -2.05], [1.05, -2.05], [1.065, -2.05], [1.0875, -2.065], [1.0875, -2.065], [1.0975, -2.065], [1.1125, -2.075], [1.1125, -2.075], [1.1225, -2.075]], None),
    ('ASGD', {'lr': 0.1}, [[0.94999, -1.89998], [0.974980312673, -1.974960437847], [0.824972812977, -1.974940688539], [0.774965688405, -1.874923189518], [0.799957189006, -1.949902190927], [0.649954814488, -1.949882692636], [0.599950565115, -1.849867694451], [0.624943253504, -1.924845259486], [0.474946003817, -1.924826012188]], [0.474946003817, -1.924826012188]),
    ('ASGD', {'lr': 0.1, 'lambd': 0.1, 'alpha': 0.5, 't0': 3, 'weight_decay': 0.1, 'maximize': True}, [[1.03, -2.06], [0.984626304126, -1.944376678498], [1.113649929257, -1.905872282681], [1.140970155547, -1.966846975286], [1.094079372933, -1.854730381889], [1.219110141079, -1.818529751589], [1.243992345303, -1.880332093065], [1.195771677231, -1.771471143469], [1.31709660787, -1.737379165417]], [1.214010028883, -1.812488507086]),
]


@pytest.mark.parametrize("name, kwargs, expected, ax", PINNED_RPROP_ASGD,
                         ids=[f"{n}-{i}" for i, (n, _, _, _) in enumerate(PINNED_RPROP_ASGD)])
def test_rprop_asgd_follow_pytorch(name, kwargs, expected, ax):
    p = nn.Parameter(tl.tensor([1.0, -2.0], dtype=tl.float64))
    opt = getattr(optim, name)([p], **kwargs)
    out = []
    tl.set_default_dtype(tl.float64)  # as the reference run: ASGD's eta and mu are float64 then
    try:
        for g in FLIP_GRADS * 3:
            p.grad = tl.tensor(g, dtype=tl.float64)
            opt.step()
            out.append(p.tolist())
    finally:
        tl.set_default_dtype(tl.float32)
    tol = dict(rtol=1e-10, atol=1e-11) if p.device.type == "cpu" else dict(rtol=2e-5, atol=1e-6)
    np.testing.assert_allclose(out, expected, **tol)
    if ax is not None:
        np.testing.assert_allclose(opt.state[p]["ax"].tolist(), ax, **tol)
        assert opt.state[p]["eta"].dtype == opt.state[p]["mu"].dtype == tl.float64


def reference_rprop_asgd(name, hp, p, g, state, t):
    """One float64 step of PyTorch's documented Rprop / ASGD (ASGD's eta, mu kept in float32)."""
    if name == "Rprop":
        (eta_minus, eta_plus), (low, high) = hp["etas"], hp["step_sizes"]
        prev = state.get("prev", np.zeros_like(p))
        size = state.get("size", np.full_like(p, hp["lr"]))
        s = np.sign(g * prev)
        size = np.clip(size * np.where(s > 0, eta_plus, np.where(s < 0, eta_minus, 1.0)), low, high)
        g = np.where(s < 0, 0.0, g)
        state.update(prev=g, size=size)
        return p - np.sign(g) * size
    lr, lambd = hp["lr"], hp["lambd"]
    eta, mu = state.get("eta", np.float32(lr)), state.get("mu", np.float32(1.0))
    g = g + hp["weight_decay"] * p
    p = p * (1 - lambd * float(eta)) - float(eta) * g
    state["ax"] = p.copy() if mu == 1 else state["ax"] + (p - state["ax"]) * float(mu)
    state["eta"] = np.float32(lr / (1 + lambd * lr * t) ** hp["alpha"])
    state["mu"] = np.float32(1 / max(1, t - hp["t0"]))
    return p


@st.composite
def rprop_asgd_hyperparameters(draw):
    name = draw(st.sampled_from(["Rprop", "ASGD"]))
    if name == "Rprop":
        low = draw(st.sampled_from([1e-6, 1e-2]))
        return name, dict(lr=draw(st.floats(1e-3, 1.0)), etas=(draw(st.floats(0.1, 0.9)), draw(st.floats(1.1, 3.0))),
                          step_sizes=(low, draw(st.sampled_from([0.05, 50.0]))))
    return name, dict(lr=draw(st.floats(1e-3, 1.0)), lambd=draw(st.sampled_from([1e-4, 0.1])),
                      alpha=draw(st.floats(0.1, 1.0)), t0=draw(st.sampled_from([0, 2, 5, 1e6])),
                      weight_decay=draw(st.sampled_from([0.0, 0.1])))


@settings(max_examples=40, deadline=None)
@given(case=rprop_asgd_hyperparameters(), maximize=st.booleans(),
       grads=st.lists(st.lists(st.sampled_from([0.0, -2.0, -0.5, 0.25, 1.0, 3.0]), min_size=3, max_size=3),
                      min_size=1, max_size=10))
def test_rprop_asgd_match_the_documented_algorithm(case, maximize, grads):
    name, hp = case
    p = nn.Parameter(tl.tensor([0.5, -1.0, 2.0], dtype=tl.float64))
    opt = getattr(optim, name)([p], maximize=maximize, **hp)
    ref, state = np.array([0.5, -1.0, 2.0]), {}
    for t, g in enumerate(grads, start=1):
        p.grad = tl.tensor(g, dtype=tl.float64)
        opt.step()
        ref = reference_rprop_asgd(name, hp, ref, -np.array(g) if maximize else np.array(g), state, t)
    tol = dict(rtol=1e-9, atol=1e-12) if p.device.type == "cpu" else dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p.tolist(), ref, **tol)
    if name == "ASGD":
        np.testing.assert_allclose(opt.state[p]["ax"].tolist(), state["ax"], **tol)


@pytest.mark.parametrize("make", [lambda p: optim.Rprop(p, lr=0.1), lambda p: optim.ASGD(p, lr=0.1, t0=2)],
                         ids=["Rprop", "ASGD"])
def test_rprop_asgd_resume_from_a_state_dict_identically(make):
    assert _run_resuming(make, FLIP_GRADS, False) == _run_resuming(make, FLIP_GRADS, True)


def test_rprop_asgd_reject_bad_hyperparameters_like_pytorch():
    p = nn.Parameter(tl.zeros(2))
    with pytest.raises(ValueError, match="Invalid eta values: 1.5, 2"):
        optim.Rprop([p], etas=(1.5, 2))
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Rprop([p], lr=-1)
    with pytest.raises(ValueError, match="Invalid weight_decay value"):
        optim.ASGD([p], weight_decay=-1)
    assert optim.Rprop([p]).defaults["etas"] == (0.5, 1.2) and optim.ASGD([p]).defaults["t0"] == 1e6


class _Decay:
    """A callable object: MultiplicativeLR's state_dict keeps its __dict__ (PyTorch's layout)."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, epoch):
        return self.factor


def test_constant_multiplicative_errors_and_state_dict():
    opt = optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0)
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1"):
        S.ConstantLR(opt, factor=1.5)
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        S.MultiplicativeLR(opt, [lambda e: 1.0] * 2)
    with pytest.raises(TypeError, match="lr_lambda should be a function, but got float"):
        S.MultiplicativeLR(opt, 0.5)
    sched = S.MultiplicativeLR(opt, [_Decay(0.5)])
    sched.lr_lambdas[0].factor = 0.25
    saved = sched.state_dict()
    assert saved["lr_lambdas"] == [{"factor": 0.25}] and saved["last_epoch"] == 0
    other = S.MultiplicativeLR(optim.SGD([nn.Parameter(tl.zeros(1))], lr=1.0), [_Decay(0.5)])
    other.load_state_dict(saved)
    assert other.lr_lambdas[0].factor == 0.25 and "lr_lambdas" in saved
    assert S.MultiplicativeLR(opt, lambda e: 0.5).state_dict()["lr_lambdas"] == [None]
