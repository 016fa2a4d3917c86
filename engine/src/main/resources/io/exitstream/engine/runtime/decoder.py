class Decoder(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.Decoder, x: Tensor, embed: bool, head: int, layers: List[int], weights: List[Tensor], tables: List[Tensor], keys: List[Tensor], values: List[Tensor], slots: Tensor, positions: Tensor, slot_start: int, span: int, prefill: bool) -> Tensor:
    # tables: token embedding, classifier (final norm folded in), RoPE cos, RoPE signed sin.
    if embed:
      x = torch.to(torch.index_select(tables[0], 0, x), 6)
    rows = x.size(0)
    if len(layers) > 0:
      if prefill:
        positions = torch.arange(span - rows, span)
      cos = torch.index_select(tables[2], 0, positions)
      sin = torch.index_select(tables[3], 0, positions)
      # -inf where a row's position is behind the key's: causal, per sequence.
      behind = torch.gt(torch.unsqueeze(torch.arange(span), 0), torch.unsqueeze(positions, 1))
      mask = torch.masked_fill(torch.zeros([rows, span]), behind, float("-inf"))
      if prefill:
        mask = torch.repeat(mask, [{group}, 1])
      else:
        mask = torch.reshape(mask, [rows, 1, 1, span])
      for layer in layers:
        x = self.block(x, weights[4 * layer], weights[4 * layer + 1], weights[4 * layer + 2], weights[4 * layer + 3], keys[layer], values[layer], cos, sin, slots, positions, mask, slot_start, span, prefill)
    # head: 0 returns the hidden states, 1 the logits of every row, 2 those of the last row.
    if head == 2:
      x = torch.slice(x, 0, rows - 1, rows)
    if head > 0:
      x = self.project(torch.mul(x, torch.rsqrt(torch.add(torch.mean(torch.mul(x, x), [-1], True), {eps}))), tables[1])
    return x
  def project(self: __torch__.Decoder, x: Tensor, weight: Tensor) -> Tensor:
    return {project}
  def block(self: __torch__.Decoder, x: Tensor, attention_in: Tensor, attention_out: Tensor, ffn_in: Tensor, ffn_out: Tensor, key_cache: Tensor, value_cache: Tensor, cos: Tensor, sin: Tensor, slots: Tensor, positions: Tensor, mask: Tensor, slot_start: int, span: int, prefill: bool) -> Tensor:
    rows = x.size(0)
    h = torch.mul(x, torch.rsqrt(torch.add(torch.mean(torch.mul(x, x), [-1], True), {eps})))
    qkv = self.project(h, attention_in)
    qk = torch.slice(qkv, 1, 0, {qk_width})
    v = torch.slice(qkv, 1, {qk_width}, {qkv_width})
    swapped = torch.reshape(torch.flip(torch.reshape(qk, [rows, {half_qk_width}, 2]), [2]), [rows, {qk_width}])
    qk = torch.add(torch.mul(qk, cos), torch.mul(swapped, sin))
    q = torch.slice(qk, 1, 0, {dim})
    k = torch.reshape(torch.slice(qk, 1, {dim}, {qk_width}), [rows, {kv_heads}, {head_size}])
    v = torch.reshape(v, [rows, {kv_heads}, {head_size}])
    if prefill:
      attended = self.attend_prefill(q, k, v, key_cache, value_cache, mask, slot_start, span, rows)
    else:
      attended = self.attend_decode(q, k, v, key_cache, value_cache, slots, positions, mask, slot_start, span, rows)
    x = torch.add(x, self.project(attended, attention_out))
    h = torch.mul(x, torch.rsqrt(torch.add(torch.mean(torch.mul(x, x), [-1], True), {eps})))
    gate_up = self.project(h, ffn_in)
    gate = torch.slice(gate_up, 1, 0, {hidden_dim})
    up = torch.slice(gate_up, 1, {hidden_dim}, {double_hidden_dim})
    return torch.add(x, self.project(torch.mul(torch.silu(gate), up), ffn_out))
  def attend_decode(self: __torch__.Decoder, q: Tensor, k: Tensor, v: Tensor, key_cache: Tensor, value_cache: Tensor, slots: Tensor, positions: Tensor, mask: Tensor, slot_start: int, span: int, rows: int) -> Tensor:
    index : List[Optional[Tensor]] = [slots, positions]
    key_cache.index_put_(index, k)
    value_cache.index_put_(index, v)
    if slot_start >= 0:
      keys = torch.slice(torch.slice(key_cache, 0, slot_start, slot_start + rows), 1, 0, span)
      values = torch.slice(torch.slice(value_cache, 0, slot_start, slot_start + rows), 1, 0, span)
    else:
      rows_index : List[Optional[Tensor]] = [slots]
      keys = torch.index(torch.slice(key_cache, 1, 0, span), rows_index)
      values = torch.index(torch.slice(value_cache, 1, 0, span), rows_index)
    queries = torch.reshape(q, [rows, {kv_heads}, {group}, {head_size}])
    scores = torch.add(torch.matmul(queries, torch.permute(keys, [0, 2, 3, 1])), mask)
    out = torch.matmul(torch.softmax(scores, -1), torch.permute(values, [0, 2, 1, 3]))
    return torch.reshape(out, [rows, {dim}])
  def attend_prefill(self: __torch__.Decoder, q: Tensor, k: Tensor, v: Tensor, key_cache: Tensor, value_cache: Tensor, mask: Tensor, slot: int, span: int, rows: int) -> Tensor:
    start = span - rows
    torch.slice(torch.select(key_cache, 0, slot), 0, start, span).copy_(k)
    torch.slice(torch.select(value_cache, 0, slot), 0, start, span).copy_(v)
    keys = torch.permute(torch.slice(torch.select(key_cache, 0, slot), 0, 0, span), [1, 2, 0])
    values = torch.permute(torch.slice(torch.select(value_cache, 0, slot), 0, 0, span), [1, 0, 2])
    queries = torch.reshape(torch.permute(torch.reshape(q, [rows, {kv_heads}, {group}, {head_size}]), [1, 2, 0, 3]), [{kv_heads}, {group} * rows, {head_size}])
    scores = torch.add(torch.matmul(queries, keys), mask)
    out = torch.matmul(torch.softmax(scores, -1), values)
    out = torch.permute(torch.reshape(out, [{kv_heads}, {group}, rows, {head_size}]), [2, 0, 1, 3])
    return torch.reshape(out, [rows, {dim}])
