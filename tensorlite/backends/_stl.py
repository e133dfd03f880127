"""libstdc++'s std::sort, std::nth_element and std::partial_sort written out step by step in
Python, on a list: PyTorch's CPU topk calls them on (value, index) pairs, so the order they
leave equal values in decides which indices topk returns among ties. The NumPy backend runs
them on the lines where that order matters (kernels/sorting.cl has the same code for OpenCL)."""
from __future__ import annotations

_THRESHOLD = 16  # libstdc++'s _S_threshold: insertion sort below it


def _lg(n: int) -> int:
    return n.bit_length() - 1


class Sorter:
    """The algorithms on ``items`` (a list, changed in place) with the strict order ``before``."""

    def __init__(self, items: list, before):
        self.a, self.before = items, before

    def _swap(self, i, j):
        self.a[i], self.a[j] = self.a[j], self.a[i]

    def _linear_insert(self, last):
        a, value = self.a, self.a[last]
        # the bound checks here and in _partition_pivot never act under a strict weak order;
        # with NaN under plain `<` (mode) libstdc++ may run off the range (undefined): they stop
        # there, as kernels/sorting.cl does
        while last > 0 and self.before(value, a[last - 1]):
            a[last] = a[last - 1]
            last -= 1
        a[last] = value

    def _insertion_sort(self, first, last):
        a = self.a
        for i in range(first + 1, last):
            if self.before(a[i], a[first]):
                a[first:i + 1] = [a[i]] + a[first:i]
            else:
                self._linear_insert(i)

    def _median_to_first(self, result, x, y, z):
        a, before = self.a, self.before
        if before(a[x], a[y]):
            pick = y if before(a[y], a[z]) else (z if before(a[x], a[z]) else x)
        else:
            pick = x if before(a[x], a[z]) else (z if before(a[y], a[z]) else y)
        self._swap(result, pick)

    def _partition_pivot(self, first, last):
        a, before = self.a, self.before
        self._median_to_first(first, first + 1, first + (last - first) // 2, last - 1)
        pivot, first = first, first + 1
        while True:
            while first < last and before(a[first], a[pivot]):
                first += 1
            last -= 1
            while last > pivot and before(a[pivot], a[last]):
                last -= 1
            if not first < last:
                return first
            self._swap(first, last)
            first += 1

    def _adjust_heap(self, first, hole, length, value):
        a, before = self.a, self.before
        top = second = hole
        while second < (length - 1) // 2:
            second = 2 * (second + 1)
            if before(a[first + second], a[first + second - 1]):
                second -= 1
            a[first + hole] = a[first + second]
            hole = second
        if length % 2 == 0 and second == (length - 2) // 2:
            second = 2 * (second + 1)
            a[first + hole] = a[first + second - 1]
            hole = second - 1
        parent = (hole - 1) // 2
        while hole > top and before(a[first + parent], value):
            a[first + hole] = a[first + parent]
            hole, parent = parent, (parent - 1) // 2
        a[first + hole] = value

    def _pop_heap(self, first, last, result):
        value = self.a[result]
        self.a[result] = self.a[first]
        self._adjust_heap(first, 0, last - first, value)

    def _heap_select(self, first, middle, last):
        length = middle - first
        for parent in range((length - 2) // 2, -1, -1) if length >= 2 else ():
            self._adjust_heap(first, parent, length, self.a[first + parent])
        for i in range(middle, last):
            if self.before(self.a[i], self.a[first]):
                self._pop_heap(first, middle, i)

    def partial_sort(self, first, middle, last):
        self._heap_select(first, middle, last)
        while middle - first > 1:
            middle -= 1
            self._pop_heap(first, middle, middle)

    def sort(self, first, last):
        if first == last:
            return
        pending = [(first, last, _lg(last - first) * 2)]
        while pending:  # introsort's recursion; its ranges are disjoint, so order is free
            low, high, depth = pending.pop()
            while high - low > _THRESHOLD:
                if depth == 0:
                    self.partial_sort(low, high, high)
                    break
                depth -= 1
                cut = self._partition_pivot(low, high)
                pending.append((cut, high, depth))
                high = cut
        if last - first > _THRESHOLD:
            self._insertion_sort(first, first + _THRESHOLD)
            for i in range(first + _THRESHOLD, last):
                self._linear_insert(i)
        else:
            self._insertion_sort(first, last)

    def nth_element(self, first, nth, last):
        if first == last or nth == last:
            return
        depth = _lg(last - first) * 2
        while last - first > 3:
            if depth == 0:
                self._heap_select(first, nth + 1, last)
                self._swap(first, nth)
                return
            depth -= 1
            cut = self._partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self._insertion_sort(first, last)


def _before(largest: bool):
    """PyTorch's order of (value, index) pairs: NaN above every number."""
    if largest:
        def before(x, y):
            return (x[0] != x[0] and y[0] == y[0]) or x[0] > y[0]
    else:
        def before(x, y):
            return (x[0] == x[0] and y[0] != y[0]) or x[0] < y[0]
    return before


def sort_indices(values: list, descending: bool) -> list:
    """The indices PyTorch's CPU sort(stable=False) returns for one line (std::sort)."""
    pairs = [(v, i) for i, v in enumerate(values)]
    Sorter(pairs, _before(descending)).sort(0, len(pairs))
    return [i for _, i in pairs]


def topk_indices(values: list, k: int, largest: bool, sorted_: bool) -> list:
    """The indices PyTorch's CPU topk returns for one line (NaN above every number)."""
    before = _before(largest)
    pairs = [(v, i) for i, v in enumerate(values)]
    if k == 0:
        return []
    sorter = Sorter(pairs, before)
    if k * 64 <= len(pairs):
        sorter.partial_sort(0, k, len(pairs))
    else:
        sorter.nth_element(0, k - 1, len(pairs))
        if sorted_:
            sorter.sort(0, k - 1)
    return [i for _, i in pairs[:k]]


def unique_dim_order(rows: list) -> list:
    """The order std::sort leaves row numbers in under PyTorch's unique(dim) comparator
    (lexicographic by < and >; a column where neither holds, NaN included, decides nothing)."""
    def before(a, b):
        for u, v in zip(rows[a], rows[b]):
            if u < v:
                return True
            if u > v:
                return False
        return False
    order = list(range(len(rows)))
    Sorter(order, before).sort(0, len(order))
    return order


def mode_pick(values: list):
    """(value, index) of PyTorch's CPU mode of one line: std::sort of (value, index) pairs by `<`
    on the values, then the last pair of the first longest run of `==` values."""
    pairs = [(v, i) for i, v in enumerate(values)]
    Sorter(pairs, lambda x, y: x[0] < y[0]).sort(0, len(pairs))
    best, longest, run = pairs[0], 0, 0
    for k, pair in enumerate(pairs):
        run += 1
        if k == len(pairs) - 1 or pair[0] != pairs[k + 1][0]:
            if run > longest:
                best, longest = pair, run
            run = 0
    return best
