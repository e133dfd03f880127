"""A small MLP and a small CNN train to a low loss in seconds (nn + optim + losses together)."""
import tensorlite as tl
from tensorlite import nn, optim
from tensorlite.data import load_digits


def test_mlp_learns_xor():
    tl.manual_seed(0)
    x = tl.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = tl.tensor([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(200):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert model(x).argmax(1).tolist() == [0, 1, 1, 0]


def test_cnn_learns_digits_subset():
    tl.manual_seed(0)
    images, labels = load_digits()
    device = tl.get_default_device()
    x, y = images[:256].reshape(-1, 1, 8, 8).to(device), labels[:256].to(device)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, 20, 0.5)
    first = None
    for epoch in range(40):
        for i in range(0, 256, 64):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[i:i + 64]), y[i:i + 64])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            first = loss.item() if first is None else first
        sched.step()
    model.eval()
    with tl.no_grad():
        accuracy = (model(x).argmax(1) == y).float().mean().item()
    assert loss.item() < 0.3 * first and accuracy > 0.9
