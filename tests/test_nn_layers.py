"""Layer and loss semantics that PyTorch users rely on (SEMANTICS.md 4.7, 4.8, 4.13)."""
import math
import warnings

import numpy as np
import pytest

import tensorlite as tl
import tensorlite.nn.functional as F
from tensorlite import nn


class TestBatchNorm:
    def test_running_stats_biased_to_normalise_unbiased_to_update(self):
        bn = nn.BatchNorm1d(1)
        out = bn(tl.tensor([[1.0], [3.0]]))
        assert out.flatten().tolist() == pytest.approx([-1.0, 1.0], abs=1e-4)
        assert bn.running_mean.item() == pytest.approx(0.2)
        assert bn.running_var.item() == pytest.approx(1.1)
        assert bn.num_batches_tracked.item() == 1

    def test_eval_uses_running_stats(self):
        bn = nn.BatchNorm1d(1)
        bn(tl.tensor([[1.0], [3.0]]))
        bn.eval()
        assert bn(tl.tensor([[0.2]])).item() == pytest.approx(0.0, abs=1e-6)

    def test_batch_of_one(self):
        with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
            nn.BatchNorm1d(3)(tl.randn(1, 3))

    def test_2d_per_channel(self):
        bn = nn.BatchNorm2d(2)
        x = tl.randn(4, 2, 3, 3)
        y = bn(x)
        assert y.mean((0, 2, 3)).abs().max().item() < 1e-5


class TestDropout:
    def test_scaling_and_eval(self):
        tl.manual_seed(0)
        drop = nn.Dropout(0.25)
        y = drop(tl.ones(10000))
        kept = y[y != 0]
        assert kept.min().item() == pytest.approx(1 / 0.75) and abs((y == 0).float().mean().item() - 0.25) < 0.02
        assert drop.eval()(tl.ones(5)).tolist() == [1.0] * 5
        with pytest.raises(ValueError):
            nn.Dropout(1.5)


class TestCrossEntropy:
    logits = tl.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0], [2.0, -1.0, 0.0]])

    def _logp(self):
        x = self.logits.numpy()
        return x - np.log(np.exp(x).sum(1, keepdims=True))

    def test_mean_and_none(self):
        t = tl.tensor([1, 2, 0])
        logp = self._logp()
        expected = -logp[[0, 1, 2], [1, 2, 0]]
        assert F.cross_entropy(self.logits, t).item() == pytest.approx(expected.mean(), rel=1e-6)
        assert F.cross_entropy(self.logits, t, reduction="none").tolist() == pytest.approx(expected.tolist(), rel=1e-6)

    def test_ignore_index_excluded_from_numerator_and_denominator(self):
        t = tl.tensor([1, -100, 0])
        logp = self._logp()
        assert F.cross_entropy(self.logits, t).item() == pytest.approx(-(logp[0, 1] + logp[2, 0]) / 2, rel=1e-6)
        assert F.cross_entropy(self.logits, t, reduction="none")[1].item() == 0.0
        assert math.isnan(F.cross_entropy(self.logits, tl.tensor([-100, -100, -100])).item())

    def test_weights(self):
        t = tl.tensor([1, 2, 0])
        w = tl.tensor([0.5, 2.0, 1.0])
        logp = self._logp()
        num = -(2.0 * logp[0, 1] + 1.0 * logp[1, 2] + 0.5 * logp[2, 0])
        assert F.cross_entropy(self.logits, t, weight=w).item() == pytest.approx(num / 3.5, rel=1e-6)

    def test_label_smoothing(self):
        t = tl.tensor([1, 2, 0])
        logp = self._logp()
        nll = -logp[[0, 1, 2], [1, 2, 0]].mean()
        smooth = (-logp.mean(1)).mean()
        assert F.cross_entropy(self.logits, t, label_smoothing=0.1).item() == \
            pytest.approx(0.9 * nll + 0.1 * smooth, rel=1e-6)

    def test_probability_targets(self):
        p = tl.tensor([[0.2, 0.8, 0.0], [0.0, 0.0, 1.0], [0.5, 0.25, 0.25]])
        logp = self._logp()
        assert F.cross_entropy(self.logits, p).item() == pytest.approx(-(p.numpy() * logp).sum(1).mean(), rel=1e-6)
        with pytest.raises(RuntimeError, match="ignore_index is not supported for floating point target"):
            F.cross_entropy(self.logits, p, ignore_index=1)

    def test_target_errors(self):
        with pytest.raises(IndexError, match="Target 3 is out of bounds."):
            F.cross_entropy(self.logits, tl.tensor([3, 0, 0]))
            tl.synchronize()  # OpenCL: targets are checked on the device, read at the next sync
        with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
            F.cross_entropy(self.logits, tl.tensor([1.0, 0.0, 0.0]))
        with pytest.raises(RuntimeError, match="Expected floating point type for target with class probabilities, got Long"):
            F.cross_entropy(self.logits, tl.zeros(3, 3, dtype=tl.int64))

    def test_stable_for_large_logits(self):
        assert F.log_softmax(tl.tensor([1000.0, 0.0, -1000.0]), 0).tolist() == [0.0, -1000.0, -2000.0]
        assert F.softmax(tl.tensor([1000.0, 0.0, -1000.0]), 0).tolist() == [1.0, 0.0, 0.0]
        with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
            F.softmax(tl.ones(2, 3))


class TestOtherLosses:
    def test_bce_clamps_log(self):
        assert F.binary_cross_entropy(tl.tensor([0.0]), tl.tensor([1.0])).item() == 100.0

    def test_bce_with_logits_is_stable(self):
        assert F.binary_cross_entropy_with_logits(tl.tensor([100.0, -100.0]), tl.tensor([0.0, 1.0])).item() == \
            pytest.approx(100.0)
        x = tl.tensor([0.0], requires_grad=True)
        F.binary_cross_entropy_with_logits(x, tl.tensor([1.0])).backward()
        assert x.grad.item() == pytest.approx(-0.5)

    def test_mse_broadcast_warns(self):
        with pytest.warns(UserWarning, match="Using a target size"):
            F.mse_loss(tl.zeros(3, 1), tl.zeros(3))

    def test_kl_div_batchmean(self):
        p = tl.tensor([[0.5, 0.5], [0.9, 0.1]])
        q = tl.tensor([[0.25, 0.75], [0.5, 0.5]])
        expected = (p.numpy() * np.log(p.numpy() / q.numpy())).sum() / 2
        assert F.kl_div(q.log(), p, reduction="batchmean").item() == pytest.approx(expected, rel=1e-6)
        assert F.kl_div(q.log(), p.log(), reduction="batchmean", log_target=True).item() == pytest.approx(expected, rel=1e-5)

    def test_loss_modules_take_input_then_target(self):
        pred, target = tl.tensor([1.0, 2.0]), tl.tensor([0.0, 0.0])
        assert nn.MSELoss()(pred, target).item() == 2.5
        assert nn.L1Loss(reduction="sum")(pred, target).item() == 3.0
        assert nn.HuberLoss(delta=1.0)(pred, target).item() == pytest.approx((0.5 + 1.5) / 2)
        assert nn.SmoothL1Loss()(pred, target).item() == pytest.approx((0.5 + 1.5) / 2)


class TestLayers:
    def test_conv_output_size_and_error(self):
        conv = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        assert conv(tl.randn(2, 3, 7, 7)).shape == (2, 4, 4, 4)
        assert nn.Conv2d(3, 4, 3, padding="same")(tl.randn(1, 3, 5, 6)).shape == (1, 4, 5, 6)
        with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[1, 2, 5, 5\] to have 3 channels, but got 2 channels instead"):
            conv(tl.randn(1, 2, 5, 5))

    def test_pooling_conventions(self):
        x = tl.tensor([[[[1.0, 3.0], [3.0, 2.0]]]], requires_grad=True)
        F.max_pool2d(x, 2).sum().backward()
        assert x.grad.flatten().tolist() == [0.0, 1.0, 0.0, 0.0]  # the first of the tied maxima
        assert nn.MaxPool2d(2)(tl.randn(1, 1, 5, 5)).shape == (1, 1, 2, 2)
        assert nn.MaxPool2d(2, ceil_mode=True)(tl.randn(1, 1, 5, 5)).shape == (1, 1, 3, 3)
        padded = F.avg_pool2d(tl.ones(1, 1, 2, 2), 2, 1, padding=1)
        assert padded[0, 0, 0, 0].item() == 0.25
        assert F.avg_pool2d(tl.ones(1, 1, 2, 2), 2, 1, padding=1, count_include_pad=False)[0, 0, 0, 0].item() == 1.0

    def test_embedding_padding_idx_gets_no_gradient(self):
        emb = nn.Embedding(4, 2, padding_idx=0)
        assert emb.weight[0].tolist() == [0.0, 0.0]
        emb(tl.tensor([0, 1, 0, 3])).sum().backward()
        assert emb.weight.grad[0].tolist() == [0.0, 0.0] and emb.weight.grad[1].tolist() == [1.0, 1.0]

    def test_recurrent_shapes(self):
        rnn = nn.GRU(3, 5, num_layers=2, batch_first=True)
        out, h = rnn(tl.randn(4, 6, 3))
        assert out.shape == (4, 6, 5) and h.shape == (2, 4, 5)
        lstm = nn.LSTM(3, 5, bidirectional=True)
        out, (h, c) = lstm(tl.randn(6, 3))
        assert out.shape == (6, 10) and h.shape == (2, 5) and c.shape == (2, 5)
        assert nn.RNN(3, 4, nonlinearity="relu")(tl.randn(2, 1, 3))[0].min().item() >= 0
        assert nn.LSTMCell(3, 4)(tl.randn(2, 3))[1].shape == (2, 4)
        assert [n for n, _ in nn.LSTM(2, 3).named_parameters()] == \
            ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]

    def test_recurrent_gradients(self):
        cell = nn.GRUCell(2, 3).double()
        x = tl.randn(4, 2, dtype=tl.float64, requires_grad=True)
        assert tl.autograd.gradcheck(lambda t: cell(t), (x,))
        lstm = nn.LSTM(2, 2).double()
        seq = tl.randn(3, 1, 2, dtype=tl.float64, requires_grad=True)
        assert tl.autograd.gradcheck(lambda t: lstm(t)[0], (seq,))

    def test_norm_layers(self):
        x = tl.randn(2, 4, 3)
        assert nn.LayerNorm(3)(x).mean(-1).abs().max().item() < 1e-5
        assert nn.GroupNorm(2, 4)(x).shape == (2, 4, 3)
        assert nn.LocalResponseNorm(2)(x).shape == (2, 4, 3)

    def test_activation_kinks(self):
        x = tl.tensor([0.0], requires_grad=True)
        F.leaky_relu(x, 0.1).sum().backward()
        assert x.grad.item() == pytest.approx(0.1)
        x = tl.tensor([0.0], requires_grad=True)
        F.elu(x).sum().backward()
        assert x.grad.item() == 1.0
        assert F.gelu(tl.tensor([1.0])).item() == pytest.approx(0.8413447, rel=1e-6)
        assert F.softplus(tl.tensor([100.0])).item() == 100.0 and F.one_hot(tl.tensor([2, 0])).tolist() == [[0, 0, 1], [1, 0, 0]]


def test_smooth_losses_have_the_right_second_derivative_at_zero():
    for loss in (F.huber_loss, F.smooth_l1_loss):
        x = tl.tensor([1.0], dtype=tl.float64, requires_grad=True)
        (g,) = tl.autograd.grad(loss(x, tl.tensor([1.0], dtype=tl.float64)), x, create_graph=True)
        (h,) = tl.autograd.grad(g.sum(), x)
        assert g.item() == 0.0 and h.item() == 1.0


def test_cross_entropy_checks_the_target_shape():
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)"):
        F.cross_entropy(tl.ones(3, 4), tl.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected target of shape"):
        F.nll_loss(tl.ones(2, 3, 4), tl.tensor([[0, 1, 2], [0, 1, 2]]))
    assert F.cross_entropy(tl.ones(4), tl.tensor(1)).shape == ()  # unbatched input, 0-dim target


def test_bad_inputs_raise_instead_of_computing_something():
    with pytest.raises(IndexError, match="index out of range in self"):
        nn.Embedding(3, 2)(tl.tensor([-1]))
        tl.synchronize()  # OpenCL: index ranges are checked on the device, read at the next sync
    with pytest.raises(RuntimeError, match="running_mean should contain 5 elements"):
        nn.BatchNorm1d(3)(tl.ones(4, 5))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(tl.tensor([1.5]), tl.tensor([1.0]))
        tl.synchronize()  # OpenCL: value ranges are checked on the device, read at the next sync


class TestChannelDropout:
    """F.dropout1d/2d/3d and nn.Dropout1d/2d/3d: whole channels kept or zeroed, PyTorch's input
    rules (errors and deprecation warnings)."""

    CASES = [(F.dropout1d, (3, 5, 4), 2), (F.dropout1d, (5, 4), 1), (F.dropout2d, (2, 5, 3, 2), 2),
             (F.dropout2d, (2, 5, 4), 2), (F.dropout3d, (2, 5, 2, 2, 3), 2), (F.dropout3d, (5, 2, 2, 3), 1)]

    @pytest.mark.parametrize("fn, shape, lead", CASES)
    def test_each_channel_kept_whole_and_scaled(self, fn, shape, lead):
        tl.manual_seed(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(tl.ones(shape), p=0.5).numpy()
        per_channel = y.reshape(int(np.prod(shape[:lead])), -1)
        assert set(np.unique(y)) <= {0.0, 2.0}
        assert (per_channel == per_channel[:, :1]).all()

    def test_drop_rate_and_gradient_follow_the_mask(self):
        tl.manual_seed(1)
        x = tl.ones(400, 50, 3, requires_grad=True)
        y = F.dropout1d(x, p=0.3)
        y.sum().backward()
        kept = (y.detach()[:, :, 0] != 0).float()
        assert abs(kept.mean().item() - 0.7) < 0.02  # 20000 draws: sd ~0.003
        np.testing.assert_allclose(x.grad.numpy(), np.repeat(kept.numpy()[:, :, None] / 0.7, 3, 2), rtol=1e-6)

    @pytest.mark.parametrize("fn", [F.dropout1d, F.dropout2d, F.dropout3d])
    def test_eval_p0_p1_and_bad_p(self, fn):
        x = tl.ones(*{F.dropout1d: (2, 3, 2), F.dropout2d: (2, 3, 2, 2), F.dropout3d: (2, 3, 2, 2, 2)}[fn])
        assert fn(x, 0.5, training=False) is x and fn(x, 0.0) is x
        assert fn(x, 1.0).abs().sum().item() == 0
        with pytest.raises(ValueError, match="between 0 and 1, but got 1.5"):
            fn(x, 1.5)

    def test_input_rules(self):
        with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D"):
            F.dropout1d(tl.ones(1, 2, 3, 4))
        with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"), \
                pytest.warns(UserWarning, match="Received a 1-D input"):
            F.dropout2d(tl.ones(3))
        with pytest.warns(UserWarning, match="Received a 1-D input"):  # PyTorch checks dims only to draw
            assert F.dropout2d(tl.ones(3), 0.5, training=False).tolist() == [1.0] * 3
            assert F.dropout2d(tl.ones(3), 1.0).tolist() == [0.0] * 3
            assert F.dropout2d(tl.ones(0), 0.5).shape == (0,)
        with pytest.warns(UserWarning, match="interpreted as shape \\(N, C, L\\)"):
            F.dropout2d(tl.ones(2, 3, 4))
        with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d, which is deprecated"):
            F.dropout2d(tl.ones(1, 2, 3, 4, 5))
        with pytest.warns(UserWarning, match="Received a 3-D input to dropout3d"):
            F.dropout3d(tl.ones(2, 3, 4))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            F.dropout2d(tl.ones(1, 2, 3, 3)), F.dropout3d(tl.ones(2, 2, 2, 2)), F.dropout1d(tl.ones(2, 3))

    @pytest.mark.parametrize("shape", [(4, 3), (2, 4, 3)])
    def test_inplace_modifies_and_returns_the_input(self, shape):
        tl.manual_seed(0)
        x = tl.ones(shape)
        assert F.dropout1d(x, 0.5, inplace=True) is x and set(x.flatten().tolist()) <= {0.0, 2.0}
        assert x.tolist() != tl.ones(shape).tolist()  # seed 0 drops something here

    def test_modules(self):
        for cls, shape in [(nn.Dropout1d, (2, 3, 4)), (nn.Dropout2d, (2, 3, 4, 4)), (nn.Dropout3d, (2, 3, 2, 2, 2))]:
            drop = cls(p=0.25)
            assert repr(drop) == f"{cls.__name__}(p=0.25, inplace=False)"
            x = tl.ones(shape)
            assert drop.eval()(x) is x
            assert drop.train()(x).shape == shape
        with pytest.raises(ValueError, match="between 0 and 1"):
            nn.Dropout2d(2)
