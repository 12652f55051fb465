"""A small nn.TransformerEncoder in plain PyTorch for the importer tests (ViT-B/16 is
torchvision's own: ``torchvision_models.py``)."""

from __future__ import annotations

from torch import nn


class SmallEncoder(nn.Module):
    """A 2-layer nn.TransformerEncoder (width 32, 4 heads, feed-forward 64, GELU) inside a model
    (as a model uses it; torch.fx cannot trace the encoder's own forward, but treats it as one op
    inside another module)."""

    def __init__(self, norm_first: bool):
        super().__init__()
        layer = nn.TransformerEncoderLayer(32, 4, dim_feedforward=64, dropout=0.0,
                                           activation="gelu", batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)

    def forward(self, x):
        return self.encoder(x)
