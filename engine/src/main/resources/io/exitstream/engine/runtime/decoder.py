class Decoder(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.Decoder, x: Tensor, embed: bool, head: int, layers: List[int], weights: List[Tensor], tables: List[Tensor], keys: List[Tensor], values: List[Tensor], slots: Tensor, positions: Tensor, slot_start: int, span: int, prefill: bool, heads: List[Tensor], thresholds: List[float], influence: bool) -> Tensor:
    # tables: token embedding, classifier (final norm folded in), RoPE cos, RoPE signed sin.
    if head == 3:
      return self.exits(x, layers, thresholds, weights, tables, heads, keys, values, slots, positions, slot_start, span, influence)
    if embed:
      x = torch.to(torch.index_select(tables[0], 0, x), 6)
    rows = x.size(0)
    if len(layers) > 0:
      if prefill:
        positions = torch.arange(span - rows, span)
      cos = torch.index_select(tables[2], 0, positions)
      sin = torch.index_select(tables[3], 0, positions)
      mask = self.causal(positions, span)
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
      x = self.project(self.norm(x), tables[1])
    return x
  def exits(self: __torch__.Decoder, x: Tensor, layers: List[int], thresholds: List[float], weights: List[Tensor], tables: List[Tensor], heads: List[Tensor], keys: List[Tensor], values: List[Tensor], slots: Tensor, positions: Tensor, slot_start: int, span: int, influence: bool) -> Tensor:
    # One decode step in which a row may leave after layers[i] when thresholds[i] <= 1 and its
    # exit head's confidence reaches it. heads: per model layer, the confidence weight [dim]
    # (final norm folded in), its bias [1], and the adapter's down^T [dim, rank] and up^T
    # [rank, dim] (empty without one). Returns per row its logits at its exit, then its exit
    # layer, layers run, last confidence, and (with influence) each model layer's block
    # influence 1 - cos(input, output), NaN where a layer did not run.
    x = torch.to(torch.index_select(tables[0], 0, x), 6)
    rows = x.size(0)
    cos = torch.index_select(tables[2], 0, positions)
    sin = torch.index_select(tables[3], 0, positions)
    mask = torch.reshape(self.causal(positions, span), [rows, 1, 1, span])
    count = len(layers)
    # Rows still running, as indices into the step's rows; exited rows' states wait in states.
    active = torch.arange(rows)
    states = torch.zeros([rows, {dim}])
    exited = False
    report = torch.full([rows, 3 + {layers}], float("nan"))
    self.mark_exit(report, active, layers[count - 1], count)
    for i in range(count):
      layer = layers[i]
      out = self.block(x, weights[4 * layer], weights[4 * layer + 1], weights[4 * layer + 2], weights[4 * layer + 3], keys[layer], values[layer], cos, sin, slots, positions, mask, slot_start, span, False)
      if influence:
        similarity = torch.cosine_similarity(x, out, 1, 1e-8)
        torch.select(report, 1, 3 + layer).index_copy_(0, active, torch.rsub(similarity, 1.0))
      x = out
      threshold = thresholds[i]
      if threshold <= 1.0:
        state = self.adapt(x, heads[4 * layer + 2], heads[4 * layer + 3])
        confidence = torch.sigmoid(torch.add(torch.matmul(self.norm(state), heads[4 * layer]), heads[4 * layer + 1]))
        torch.select(report, 1, 2).index_copy_(0, active, confidence)
        leave = torch.ge(confidence, threshold)
        if bool(torch.any(leave)):
          exited = True
          if bool(torch.all(leave)):
            # Every running row leaves (always so at batch 1): nothing to split.
            states.index_copy_(0, active, state)
            self.mark_exit(report, active, layer, i + 1)
            self.propagate(x, layers, i + 1, weights, keys, values, cos, sin, slots, positions)
            active = torch.slice(active, 0, 0, 0)
            break
          left = torch.squeeze(torch.nonzero(leave), 1)
          stay = torch.squeeze(torch.nonzero(torch.logical_not(leave)), 1)
          gone = torch.index_select(active, 0, left)
          states.index_copy_(0, gone, torch.index_select(state, 0, left))
          self.mark_exit(report, gone, layer, i + 1)
          self.propagate(torch.index_select(x, 0, left), layers, i + 1, weights, keys, values, torch.index_select(cos, 0, left), torch.index_select(sin, 0, left), torch.index_select(slots, 0, left), torch.index_select(positions, 0, left))
          active = torch.index_select(active, 0, stay)
          x = torch.index_select(x, 0, stay)
          cos = torch.index_select(cos, 0, stay)
          sin = torch.index_select(sin, 0, stay)
          slots = torch.index_select(slots, 0, stay)
          positions = torch.index_select(positions, 0, stay)
          mask = torch.index_select(mask, 0, stay)
          slot_start = self.first_if_adjacent(slots)
    if not exited:
      states = x
    elif active.size(0) > 0:
      states.index_copy_(0, active, x)
    return torch.cat([self.project(self.norm(states), tables[1]), report], 1)
  def mark_exit(self: __torch__.Decoder, report: Tensor, rows: Tensor, layer: int, executed: int):
    torch.select(report, 1, 0).index_fill_(0, rows, layer)
    torch.select(report, 1, 1).index_fill_(0, rows, executed)
  def adapt(self: __torch__.Decoder, x: Tensor, down: Tensor, up: Tensor) -> Tensor:
    # An exit head's low-rank adapter, h + up (down h), if it has one.
    if torch.numel(down) == 0:
      return x
    return torch.add(x, torch.matmul(torch.matmul(x, down), up))
  def propagate(self: __torch__.Decoder, x: Tensor, layers: List[int], start: int, weights: List[Tensor], keys: List[Tensor], values: List[Tensor], cos: Tensor, sin: Tensor, slots: Tensor, positions: Tensor):
    # CALM's state propagation: rows that exited get keys and values in every deeper kept
    # layer (layers[start:]) from their exit hidden state x: attention norm, k and v
    # projections and RoPE only, so later tokens attend to them consistently.
    deeper = len(layers) - start
    if deeper == 0:
      return
    rows = x.size(0)
    h = self.norm(x)
    projected : List[Tensor] = []
    for j in range(start, len(layers)):
      if {packed}:
        # A packed matrix cannot be sliced: project through all of it and keep k | v.
        projected.append(torch.slice(self.project(h, weights[4 * layers[j]]), 1, {dim}, {qkv_width}))
      else:
        projected.append(self.project(h, torch.slice(weights[4 * layers[j]], {out_axis}, {dim}, {qkv_width})))
    # [rows, deeper, k | v]: RoPE turns every deeper layer's keys at once.
    kv = torch.reshape(torch.cat(projected, 1), [rows, deeper, {double_kv_dim}])
    k = torch.slice(kv, 2, 0, {kv_dim})
    swapped = torch.reshape(torch.flip(torch.reshape(k, [rows, deeper, {half_kv_dim}, 2]), [3]), [rows, deeper, {kv_dim}])
    key_cos = torch.unsqueeze(torch.slice(cos, 1, {dim}, {qk_width}), 1)
    key_sin = torch.unsqueeze(torch.slice(sin, 1, {dim}, {qk_width}), 1)
    k = torch.reshape(torch.add(torch.mul(k, key_cos), torch.mul(swapped, key_sin)), [rows, deeper, {kv_heads}, {head_size}])
    v = torch.reshape(torch.slice(kv, 2, {kv_dim}, {double_kv_dim}), [rows, deeper, {kv_heads}, {head_size}])
    index : List[Optional[Tensor]] = [slots, positions]
    for j in range(deeper):
      keys[layers[start + j]].index_put_(index, torch.select(k, 1, j))
      values[layers[start + j]].index_put_(index, torch.select(v, 1, j))
  def first_if_adjacent(self: __torch__.Decoder, slots: Tensor) -> int:
    # Rows are in ascending slot order: adjacent slots are read from the cache as a view.
    first = int(torch.select(slots, 0, 0))
    if int(torch.select(slots, 0, slots.size(0) - 1)) - first == slots.size(0) - 1:
      return first
    return -1
  def causal(self: __torch__.Decoder, positions: Tensor, span: int) -> Tensor:
    # [rows, span]: -inf where a row's position is behind the key's: causal, per sequence.
    behind = torch.gt(torch.unsqueeze(torch.arange(span), 0), torch.unsqueeze(positions, 1))
    return torch.masked_fill(torch.zeros([positions.size(0), span]), behind, float("-inf"))
  def norm(self: __torch__.Decoder, x: Tensor) -> Tensor:
    # RMSNorm without its weight, which is folded into the matrix that follows.
    return torch.mul(x, torch.rsqrt(torch.add(torch.mean(torch.mul(x, x), [-1], True), {eps})))
  def rotate(self: __torch__.Decoder, x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    # RoPE on adjacent pairs: x * cos + pair_swapped(x) * signed sin.
    rows = x.size(0)
    width = x.size(1)
    swapped = torch.reshape(torch.flip(torch.reshape(x, [rows, width // 2, 2]), [2]), [rows, width])
    return torch.add(torch.mul(x, cos), torch.mul(swapped, sin))
  def project(self: __torch__.Decoder, x: Tensor, weight: Tensor) -> Tensor:
{project}
  def block(self: __torch__.Decoder, x: Tensor, attention_in: Tensor, attention_out: Tensor, ffn_in: Tensor, ffn_out: Tensor, key_cache: Tensor, value_cache: Tensor, cos: Tensor, sin: Tensor, slots: Tensor, positions: Tensor, mask: Tensor, slot_start: int, span: int, prefill: bool) -> Tensor:
    rows = x.size(0)
    qkv = self.project(self.norm(x), attention_in)
    qk = torch.slice(qkv, 1, 0, {qk_width})
    v = torch.slice(qkv, 1, {qk_width}, {qkv_width})
    qk = self.rotate(qk, cos, sin)
    q = torch.slice(qk, 1, 0, {dim})
    k = torch.reshape(torch.slice(qk, 1, {dim}, {qk_width}), [rows, {kv_heads}, {head_size}])
    v = torch.reshape(v, [rows, {kv_heads}, {head_size}])
    if prefill:
      attended = self.attend_prefill(q, k, v, key_cache, value_cache, mask, slot_start, span, rows)
    else:
      attended = self.attend_decode(q, k, v, key_cache, value_cache, slots, positions, mask, slot_start, span, rows)
    x = torch.add(x, self.project(attended, attention_out))
    gate_up = self.project(self.norm(x), ffn_in)
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
