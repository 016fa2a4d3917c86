class Prepare(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.Prepare, layers: List[Tensor], tables: List[Tensor], bfloat16: bool) -> Tuple[List[Tensor], List[Tensor]]:
    # Matrices arrive [out, in]. float32 multiplies x @ W fastest with W [in, out]; bfloat16
    # goes through oneDNN's linear on W [out, in] packed for it. 15 is torch.bfloat16 (dtypes are written
    # as their ScalarType number in TorchScript code).
    prepared : List[Tensor] = []
    for weight in layers:
      prepared.append(self.matrix(weight, bfloat16))
    # tables: token embedding, classifier, RoPE cos, RoPE sin (the last two stay float32).
    # Every result is a copy: the inputs borrow Java buffers that are freed after this call.
    embedding = torch.clone(tables[0])
    if bfloat16:
      embedding = torch.to(embedding, 15)
    # Then 0, 1, 2, ... up to the widest input of any matrix: the row indices that a float32
    # single-row product sums over (decoder.py's project), made once instead of every call.
    inputs = tables[1].size(1)
    for weight in layers:
      inputs = max(inputs, weight.size(1))
    return (prepared, [embedding, self.matrix(tables[1], bfloat16), torch.clone(tables[2]), torch.clone(tables[3]), torch.arange(inputs)])
  def matrix(self: __torch__.Prepare, weight: Tensor, bfloat16: bool) -> Tensor:
    if bfloat16:
      # Packed once into oneDNN's blocked layout for mkldnn._linear_pointwise: linear() on a
      # plain bf16 [out, in] matrix reorders the weight on every call (2-2.5x slower at batch 1).
      # The result is an opaque mkldnn tensor: it can only be passed to that op.
      return ops.mkldnn._reorder_linear_weight(torch.contiguous(torch.to(weight, 15)), None)
    # clone, not contiguous: a transposed [dim, 1] matrix is contiguous already, and would stay a
    # view of the Java buffer. 0 is torch.contiguous_format.
    return torch.clone(torch.t(weight), memory_format=0)
