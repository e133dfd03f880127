"""Module semantics (SEMANTICS.md 1d, 4.13): registration, order, state_dict, repr, modes, hooks."""
import math

import pytest

import tensorlite as tl
from tensorlite import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.block = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))
        self.scale = nn.Parameter(tl.ones(1))  # registered after the children
        self.register_buffer("count", tl.zeros(1))
        self.register_buffer("cache", tl.zeros(2), persistent=False)

    def forward(self, x):
        return self.block(self.fc(x)) * self.scale


class TestRegistration:
    def test_named_parameters_own_first(self):
        assert [n for n, _ in Net().named_parameters()] == \
            ["scale", "fc.weight", "fc.bias", "block.1.weight", "block.1.bias"]

    def test_state_dict_order_and_non_persistent(self):
        sd = Net().state_dict()
        assert list(sd) == ["scale", "count", "fc.weight", "fc.bias", "block.1.weight", "block.1.bias"]
        assert not sd["scale"].requires_grad

    def test_state_dict_shares_storage(self):
        net = Net()
        net.state_dict()["fc.bias"].fill_(3.0)
        assert net.fc.bias.tolist() == [3.0] * 4

    def test_plain_tensor_into_parameter_slot(self):
        net = Net()
        with pytest.raises(TypeError, match="parameter 'scale'"):
            net.scale = tl.ones(1)
        net.scale = None
        assert "scale" not in dict(net.named_parameters())

    def test_traversal(self):
        net = Net()
        assert [n for n, _ in net.named_modules()] == ["", "fc", "block", "block.0", "block.1"]
        assert len(list(net.children())) == 2 and len(list(net.buffers())) == 2
        assert net.get_submodule("block.1") is net.block[1]

    def test_parameter_repr_and_identity(self):
        p = nn.Parameter(tl.ones(2, device="cpu"))
        assert repr(p) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
        assert p.is_leaf and isinstance(p * 2, tl.Tensor) and not isinstance(p * 2, nn.Parameter)


class TestLoadStateDict:
    def test_strict_errors(self):
        net = Net()
        sd = net.state_dict()
        del sd["scale"]
        sd["extra"] = tl.zeros(1)
        with pytest.raises(RuntimeError) as info:
            net.load_state_dict(sd)
        assert str(info.value) == ('Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: '
                                   '"scale".\n\tUnexpected key(s) in state_dict: "extra".')

    def test_non_strict_returns_keys(self):
        result = Net().load_state_dict({"scale": tl.ones(1) * 2}, strict=False)
        assert result.unexpected_keys == [] and "fc.weight" in result.missing_keys
        assert repr(result).startswith("_IncompatibleKeys(missing_keys=[")

    def test_shape_mismatch_raises_even_non_strict_and_changes_nothing(self):
        net = Net()
        before = net.fc.bias.tolist()
        sd = net.state_dict()
        sd = {k: v.clone() + 1 for k, v in sd.items()}
        sd["fc.weight"] = tl.zeros(5, 3)
        with pytest.raises(RuntimeError, match=r"size mismatch for fc.weight: copying a param with shape tensorlite.Size\(\[5, 3\]\) from checkpoint, the shape in current model is tensorlite.Size\(\[4, 3\]\)"):
            net.load_state_dict(sd, strict=False)
        assert net.fc.bias.tolist() == before

    def test_round_trip(self):
        a, b = Net(), Net()
        b.load_state_dict(a.state_dict())
        x = tl.randn(2, 3)
        assert a(x).tolist() == b(x).tolist()


class TestModes:
    def test_train_eval_recursive_and_return_self(self):
        net = Net()
        assert net.eval() is net and not net.block[0].training
        assert net.train() is net and net.block[1].training

    def test_zero_grad_default_none(self):
        net = Net()
        net(tl.randn(2, 3)).sum().backward()
        net.zero_grad(set_to_none=False)
        assert net.fc.weight.grad.abs().sum().item() == 0
        net.zero_grad()
        assert net.fc.weight.grad is None

    def test_apply_requires_grad_to(self):
        net = Net()
        seen = []
        net.apply(lambda m: seen.append(type(m).__name__))
        assert seen[-1] == "Net" and seen[0] == "Linear"
        net.requires_grad_(False)
        assert not any(p.requires_grad for p in net.parameters())
        weight = net.fc.weight
        net.double()
        assert net.fc.weight is weight and weight.dtype is tl.float64 and net.count.dtype is tl.float64

    def test_forward_hooks(self):
        net = nn.Linear(2, 2)
        calls = []
        pre = net.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
        post = net.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out * 0 + 7)
        out = net(tl.ones(1, 2))
        assert out.tolist() == [[7.0, 7.0]] and calls == [tl.Size([1, 2])]
        pre.remove(), post.remove()
        assert net(tl.ones(1, 2)).tolist() != [[7.0, 7.0]]

    def test_missing_forward(self):
        with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
            nn.Module()(1)


class TestRepr:
    def test_nested(self):
        assert repr(Net()) == (
            "Net(\n"
            "  (fc): Linear(in_features=3, out_features=4, bias=True)\n"
            "  (block): Sequential(\n"
            "    (0): ReLU()\n"
            "    (1): Linear(in_features=4, out_features=2, bias=True)\n"
            "  )\n"
            ")")

    def test_layer_reprs(self):
        assert repr(nn.Conv2d(3, 8, 3, padding=1)) == "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
        assert repr(nn.BatchNorm1d(4)) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
        assert repr(nn.Dropout()) == "Dropout(p=0.5, inplace=False)"


class TestContainers:
    def test_sequential(self):
        seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
        seq.append(nn.Linear(3, 1))
        assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and len(seq[:2]) == 2
        assert seq(tl.ones(4, 2)).shape == (4, 1)

    def test_module_list_and_dict(self):
        layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        holder = nn.Module()
        holder.layers = layers
        holder.heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
        assert len(list(holder.parameters())) == 8 and "a" in holder.heads


class TestInit:
    def test_linear_default_bounds(self):
        tl.manual_seed(0)
        layer = nn.Linear(100, 50)
        bound = 1 / math.sqrt(100)
        assert layer.weight.abs().max().item() <= bound and layer.bias.abs().max().item() <= bound
        assert layer.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)

    def test_distributions(self):
        tl.manual_seed(0)
        w = tl.empty(200, 300)
        nn.init.xavier_uniform_(w)
        assert w.abs().max().item() <= math.sqrt(6 / 500)
        nn.init.kaiming_normal_(w, nonlinearity="relu")
        assert w.std().item() == pytest.approx(math.sqrt(2 / 300), rel=0.03)
        nn.init.constant_(w, 0.5)
        assert w.mean().item() == 0.5
        assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
        assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))


def test_deepcopy_gives_an_independent_model():
    import copy
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(tl.randn(5, 3)).sum().backward()
    clone = copy.deepcopy(model)
    assert isinstance(clone[0].weight, nn.Parameter) and clone[0].weight is not model[0].weight
    assert clone[0].weight.tolist() == model[0].weight.tolist() and clone[0].weight.grad is not None
    with tl.no_grad():
        clone[0].weight.fill_(0.0)
    assert model[0].weight.abs().sum().item() > 0
    assert clone[1].running_mean.tolist() == model[1].running_mean.tolist()
