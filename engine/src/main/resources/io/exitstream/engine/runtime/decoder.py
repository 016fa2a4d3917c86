class Decoder(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.Decoder, x: Tensor, embed: bool, head: int, layers: List[int], weights: List[Tensor], tables: List[Tensor], keys: List[Tensor], values: List[Tensor], slots: Tensor, positions: Tensor, slot_start: int, span: int, prefill: bool, heads: List[Tensor], thresholds: List[float], influence: bool) -> Tensor:
    # tables: token embedding, classifier (final norm folded in), RoPE cos, RoPE signed sin,
    # and 0, 1, 2, ... up to the widest matrix input (the rows a single-row product sums, see
    # project).
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
      mask = self.mask(positions, span, prefill)
      for layer in layers:
        x = self.block(x, weights[4 * layer], weights[4 * layer + 1], weights[4 * layer + 2], weights[4 * layer + 3], keys[layer], values[layer], cos, sin, slots, positions, mask, slot_start, span, prefill, tables[4])
    # head: 0 returns the hidden states, 1 the logits of every row, 2 those of the last row.
    if head == 2:
      x = torch.slice(x, 0, rows - 1, rows)
    if head > 0:
      x = self.project(self.norm(x), tables[1], tables[4])
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
    # (Parenthesised: TorchScript's lexer reads "not influence" as the operator "not in".)
    if rows == 1 and not (influence):
      return self.exits_one_row(x, layers, thresholds, weights, tables, heads, keys, values, slots, positions, slot_start, span, cos, sin)
    mask = torch.reshape(self.causal(positions, span), [rows, 1, 1, span])
    count = len(layers)
    # Rows still running, as indices into the step's rows; exited rows' normalised states wait
    # in states. h is the running rows' normalised state, shared as in exits_one_row.
    active = torch.arange(rows)
    states = torch.zeros([rows, {dim}])
    exited = False
    report = torch.full([rows, 3 + {layers}], float("nan"))
    self.mark_exit(report, active, layers[count - 1], count)
    h = self.norm(x)
    for i in range(count):
      layer = layers[i]
      out = self.block_normed(x, h, weights[4 * layer], weights[4 * layer + 1], weights[4 * layer + 2], weights[4 * layer + 3], keys[layer], values[layer], cos, sin, slots, positions, mask, slot_start, span, False, tables[4])
      if influence:
        similarity = torch.cosine_similarity(x, out, 1, 1e-8)
        torch.select(report, 1, 3 + layer).index_copy_(0, active, torch.rsub(similarity, 1.0))
      x = out
      h = self.norm(x)
      threshold = thresholds[i]
      if threshold <= 1.0:
        state = self.exit_state(x, h, heads[4 * layer + 2], heads[4 * layer + 3])
        confidence = self.exit_confidence(state, heads[4 * layer], heads[4 * layer + 1])
        torch.select(report, 1, 2).index_copy_(0, active, confidence)
        leave = torch.ge(confidence, threshold)
        if bool(torch.any(leave)):
          exited = True
          if bool(torch.all(leave)):
            # Every running row leaves (always so at batch 1): nothing to split.
            states.index_copy_(0, active, state)
            self.mark_exit(report, active, layer, i + 1)
            self.propagate(h, layers, i + 1, weights, keys, values, cos, sin, slots, positions, tables[4])
            active = torch.slice(active, 0, 0, 0)
            break
          left = torch.squeeze(torch.nonzero(leave), 1)
          stay = torch.squeeze(torch.nonzero(torch.logical_not(leave)), 1)
          gone = torch.index_select(active, 0, left)
          states.index_copy_(0, gone, torch.index_select(state, 0, left))
          self.mark_exit(report, gone, layer, i + 1)
          self.propagate(torch.index_select(h, 0, left), layers, i + 1, weights, keys, values, torch.index_select(cos, 0, left), torch.index_select(sin, 0, left), torch.index_select(slots, 0, left), torch.index_select(positions, 0, left), tables[4])
          active = torch.index_select(active, 0, stay)
          x = torch.index_select(x, 0, stay)
          h = torch.index_select(h, 0, stay)
          cos = torch.index_select(cos, 0, stay)
          sin = torch.index_select(sin, 0, stay)
          slots = torch.index_select(slots, 0, stay)
          positions = torch.index_select(positions, 0, stay)
          mask = torch.index_select(mask, 0, stay)
          slot_start = self.first_if_adjacent(slots)
    if not exited:
      states = h
    elif active.size(0) > 0:
      states.index_copy_(0, active, h)
    return torch.cat([self.project(states, tables[1], tables[4]), report], 1)
  def exits_one_row(self: __torch__.Decoder, x: Tensor, layers: List[int], thresholds: List[float], weights: List[Tensor], tables: List[Tensor], heads: List[Tensor], keys: List[Tensor], values: List[Tensor], slots: Tensor, positions: Tensor, slot_start: int, span: int, cos: Tensor, sin: Tensor) -> Tensor:
    # exits() for a single row without influence, the usual batch-1 decode: no bookkeeping
    # tensors, and one normalised state per layer shared by the exit test, the next layer's
    # attention, the propagation and the LM head (norms are folded into the matrices after
    # them, so all four start from the same RMS-normalised vector). Without an adapter a test
    # is then a dot product and its sigmoid, read back to the host; on a small model the
    # bookkeeping and extra norms had cost about what a whole layer does.
    count = len(layers)
    exit_layer = layers[count - 1]
    executed = count
    confidence = float("nan")
    h = self.norm(x)
    for i in range(count):
      layer = layers[i]
      x = self.block_normed(x, h, weights[4 * layer], weights[4 * layer + 1], weights[4 * layer + 2], weights[4 * layer + 3], keys[layer], values[layer], cos, sin, slots, positions, None, slot_start, span, False, tables[4])
      h = self.norm(x)
      threshold = thresholds[i]
      if threshold <= 1.0:
        state = self.exit_state(x, h, heads[4 * layer + 2], heads[4 * layer + 3])
        # In float32 as exits() has it, so that both paths decide alike, even where the
        # sigmoid rounds to 1.
        confidence = float(self.exit_confidence(state, heads[4 * layer], heads[4 * layer + 1]))
        if confidence >= threshold:
          exit_layer = layer
          executed = i + 1
          self.propagate(h, layers, i + 1, weights, keys, values, cos, sin, slots, positions, tables[4])
          h = state
          break
    report = [float(exit_layer), float(executed), confidence] + [float("nan")] * {layers}
    return torch.cat([self.project(h, tables[1], tables[4]), torch.unsqueeze(torch.tensor(report, dtype=6), 0)], 1)
  def mark_exit(self: __torch__.Decoder, report: Tensor, rows: Tensor, layer: int, executed: int):
    torch.select(report, 1, 0).index_fill_(0, rows, layer)
    torch.select(report, 1, 1).index_fill_(0, rows, executed)
  def exit_confidence(self: __torch__.Decoder, state: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    # An exit head's confidence per row: sigmoid(w . state + b).
    return torch.sigmoid(torch.add(torch.matmul(state, weight), bias))
  def exit_state(self: __torch__.Decoder, x: Tensor, h: Tensor, down: Tensor, up: Tensor) -> Tensor:
    # The normalised state an exit head reads, h = norm(x) itself without an adapter, else
    # norm(x + up (down x)) through its low-rank adapter.
    if torch.numel(down) == 0:
      return h
    return self.norm(torch.add(x, torch.matmul(torch.matmul(x, down), up)))
  def propagate(self: __torch__.Decoder, h: Tensor, layers: List[int], start: int, weights: List[Tensor], keys: List[Tensor], values: List[Tensor], cos: Tensor, sin: Tensor, slots: Tensor, positions: Tensor, bag_rows: Tensor):
    # CALM's state propagation: rows that exited get keys and values in every deeper kept
    # layer (layers[start:]) from their exit hidden state, given normalised as h (the attention
    # norm): k and v projections and RoPE only, so later tokens attend to them consistently.
    deeper = len(layers) - start
    if deeper == 0:
      return
    rows = h.size(0)
    index : List[Optional[Tensor]] = [slots, positions]
    k_parts : List[Tensor] = []
    for j in range(start, len(layers)):
      attention_in = weights[4 * layers[j]]
      kv_width = keys[layers[j]].size(2) * {head_size}
      if {packed}:
        # A packed matrix cannot be sliced: project through all of it and keep k | v.
        qkv = self.project(h, attention_in, bag_rows)
        kv = torch.slice(qkv, 1, qkv.size(1) - 2 * kv_width, qkv.size(1))
      else:
        q_width = attention_in.size({out_axis}) - 2 * kv_width
        kv = self.project(h, torch.slice(attention_in, {out_axis}, q_width, q_width + 2 * kv_width), bag_rows)
      k_parts.append(torch.slice(kv, 1, 0, kv_width))
      v = torch.reshape(torch.slice(kv, 1, kv_width, 2 * kv_width), [rows, -1, {head_size}])
      values[layers[j]].index_put_(index, v)
    # [rows, every deeper layer's KV heads, head_size]: RoPE turns all of them at once, with
    # the factors of one head (they repeat every head).
    k = torch.reshape(torch.cat(k_parts, 1), [rows, -1, {head_size}])
    swapped = torch.reshape(torch.flip(torch.reshape(k, [rows, -1, {half_head_size}, 2]), [3]), [rows, -1, {head_size}])
    head_cos = torch.unsqueeze(torch.slice(cos, 1, 0, {head_size}), 1)
    head_sin = torch.unsqueeze(torch.slice(sin, 1, 0, {head_size}), 1)
    k = torch.add(torch.mul(k, head_cos), torch.mul(swapped, head_sin))
    first = 0
    for j in range(start, len(layers)):
      kv_heads = keys[layers[j]].size(2)
      keys[layers[j]].index_put_(index, torch.slice(k, 1, first, first + kv_heads))
      first = first + kv_heads
  def first_if_adjacent(self: __torch__.Decoder, slots: Tensor) -> int:
    # Rows are in ascending slot order: adjacent slots are read from the cache as a view.
    first = int(torch.select(slots, 0, 0))
    if int(torch.select(slots, 0, slots.size(0) - 1)) - first == slots.size(0) - 1:
      return first
    return -1
  def mask(self: __torch__.Decoder, positions: Tensor, span: int, prefill: bool) -> Optional[Tensor]:
    # Prefill: [rows, span]; decode: [rows, 1, 1, span] for attention's heads. A single decode
    # row is the last position of the span and sees all of it: no mask.
    if prefill:
      return self.causal(positions, span)
    rows = positions.size(0)
    if rows == 1:
      return None
    return torch.reshape(self.causal(positions, span), [rows, 1, 1, span])
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
  def project(self: __torch__.Decoder, x: Tensor, weight: Tensor, bag_rows: Tensor) -> Tensor:
{project}
  def block(self: __torch__.Decoder, x: Tensor, attention_in: Tensor, attention_out: Tensor, ffn_in: Tensor, ffn_out: Tensor, key_cache: Tensor, value_cache: Tensor, cos: Tensor, sin: Tensor, slots: Tensor, positions: Tensor, mask: Optional[Tensor], slot_start: int, span: int, prefill: bool, bag_rows: Tensor) -> Tensor:
    return self.block_normed(x, self.norm(x), attention_in, attention_out, ffn_in, ffn_out, key_cache, value_cache, cos, sin, slots, positions, mask, slot_start, span, prefill, bag_rows)
  def block_normed(self: __torch__.Decoder, x: Tensor, h: Tensor, attention_in: Tensor, attention_out: Tensor, ffn_in: Tensor, ffn_out: Tensor, key_cache: Tensor, value_cache: Tensor, cos: Tensor, sin: Tensor, slots: Tensor, positions: Tensor, mask: Optional[Tensor], slot_start: int, span: int, prefill: bool, bag_rows: Tensor) -> Tensor:
    # A pruned layer may have fewer heads or FFN neurons than the model was built with: its
    # widths are read off its KV cache and its projections' outputs (packed bf16 weights are
    # opaque). RoPE factors repeat every head, so the first columns of the tables serve any
    # narrower [q|k].
    rows = x.size(0)
    kv_heads = key_cache.size(2)
    kv_width = kv_heads * {head_size}
    # h: the attention norm of x (see block), which an exit test may have computed already.
    qkv = self.project(h, attention_in, bag_rows)
    q_width = qkv.size(1) - 2 * kv_width
    qk_width = q_width + kv_width
    group = q_width // kv_width
    qk = torch.slice(qkv, 1, 0, qk_width)
    v = torch.slice(qkv, 1, qk_width, qk_width + kv_width)
    if qk_width < cos.size(1):
      cos = torch.slice(cos, 1, 0, qk_width)
      sin = torch.slice(sin, 1, 0, qk_width)
    qk = self.rotate(qk, cos, sin)
    q = torch.slice(qk, 1, 0, q_width)
    k = torch.reshape(torch.slice(qk, 1, q_width, qk_width), [rows, kv_heads, {head_size}])
    v = torch.reshape(v, [rows, kv_heads, {head_size}])
    if prefill:
      attended = self.attend_prefill(q, k, v, key_cache, value_cache, mask, slot_start, span, rows, kv_heads, group)
    else:
      attended = self.attend_decode(q, k, v, key_cache, value_cache, slots, positions, mask, slot_start, span, rows, kv_heads, group)
    x = torch.add(x, self.project(attended, attention_out, bag_rows))
    gate_up = self.project(self.norm(x), ffn_in, bag_rows)
    hidden = gate_up.size(1) // 2
    gate = torch.slice(gate_up, 1, 0, hidden)
    up = torch.slice(gate_up, 1, hidden, 2 * hidden)
    return torch.add(x, self.project(torch.mul(torch.silu(gate), up), ffn_out, bag_rows))
  def attend_decode(self: __torch__.Decoder, q: Tensor, k: Tensor, v: Tensor, key_cache: Tensor, value_cache: Tensor, slots: Tensor, positions: Tensor, mask: Optional[Tensor], slot_start: int, span: int, rows: int, kv_heads: int, group: int) -> Tensor:
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
    queries = torch.reshape(q, [rows, kv_heads, group, {head_size}])
    out = torch.scaled_dot_product_attention(queries, torch.permute(keys, [0, 2, 1, 3]), torch.permute(values, [0, 2, 1, 3]), mask, 0., False, scale=1.)
    return torch.reshape(out, [rows, -1])
  def attend_prefill(self: __torch__.Decoder, q: Tensor, k: Tensor, v: Tensor, key_cache: Tensor, value_cache: Tensor, mask: Optional[Tensor], slot: int, span: int, rows: int, kv_heads: int, group: int) -> Tensor:
    start = span - rows
    torch.slice(torch.select(key_cache, 0, slot), 0, start, span).copy_(k)
    torch.slice(torch.select(value_cache, 0, slot), 0, start, span).copy_(v)
    # [kv_heads, group, span, head_size]: each key/value head serves its group of query heads
    # (a stride-0 view, nothing copied); the [rows, span] mask broadcasts over heads.
    shape = [kv_heads, group, span, {head_size}]
    keys = torch.expand(torch.unsqueeze(torch.permute(torch.slice(torch.select(key_cache, 0, slot), 0, 0, span), [1, 0, 2]), 1), shape)
    values = torch.expand(torch.unsqueeze(torch.permute(torch.slice(torch.select(value_cache, 0, slot), 0, 0, span), [1, 0, 2]), 1), shape)
    queries = torch.permute(torch.reshape(q, [rows, kv_heads, group, {head_size}]), [1, 2, 0, 3])
    out = torch.scaled_dot_product_attention(queries, keys, values, mask, 0., False, scale=1.)
    return torch.reshape(torch.permute(out, [2, 0, 1, 3]), [rows, -1])
