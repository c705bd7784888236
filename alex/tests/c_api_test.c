/*
 * The C API compiled as C: alex_c.h must be a valid C header and its functions must
 * link from a C translation unit. Exercises a data page (layout, insert, lower_bound,
 * iteration, erase, split) and a model page (build, route, children, split_child).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "omendb/alex/alex_c.h"

static int failures = 0;

#define CHECK(cond)                                                              \
	do {                                                                         \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                          \
		}                                                                        \
	} while (0)

#define PAGE 8192

static int entry_eq(AlexEntry a, AlexEntry b) { return a.key == b.key && a.tid == b.tid; }

int main(void)
{
	uint64_t *page_words = calloc(PAGE / 8, 8);
	uint64_t *right_words = calloc(PAGE / 8, 8);
	uint64_t *node_words = calloc(PAGE / 8, 8);
	void *page = page_words, *right = right_words, *node = node_words;
	AlexEntry entries[200];
	AlexEntry scratch[260];
	AlexFences fences, got;
	AlexChild children[4], out[5];
	size_t i, slot, n;
	AlexStatus st;

	printf("%s\n", alex_core_version());
	CHECK(strlen(alex_status_name(ALEX_PAGE_FULL)) > 0);
	CHECK(alex_code_from_int(0) == ((uint64_t) 1 << 63));
	CHECK(alex_int_from_code(alex_code_from_int(-5)) == -5);
	CHECK(alex_code_from_double(-0.0) == alex_code_from_double(0.0));
	CHECK(alex_double_from_code(alex_code_from_double(2.5)) == 2.5);

	/* A data page of 200 entries (even keys), fences [(0,0), infinity). */
	for (i = 0; i < 200; i++)
	{
		entries[i].key = alex_code_from_int((int64_t) (2 * i));
		entries[i].tid = ((uint64_t) 7 << 16) | 1;
	}
	memset(&fences, 0, sizeof fences);
	fences.high_infinite = 1;
	CHECK(alex_data_max_capacity(PAGE) >= 200);
	CHECK(!alex_data_valid(page, PAGE));
	st = alex_data_layout(page, PAGE, entries, 200, &fences, 3, ALEX_INVALID_BLOCK);
	CHECK(st == ALEX_OK);
	CHECK(alex_data_valid(page, PAGE));
	CHECK(alex_data_count(page, PAGE) == 200);
	alex_data_fences(page, PAGE, &got);
	CHECK(got.high_infinite && got.low.key == 0 && got.low.tid == 0);
	{
		AlexFences	bounded = got;

		bounded.high_infinite = 0;
		bounded.high.key = alex_code_from_int(1000);
		bounded.high.tid = 0;
		alex_data_set_fences(page, PAGE, &bounded);
		alex_data_fences(page, PAGE, &got);
		CHECK(!got.high_infinite && got.high.key == bounded.high.key);
		alex_data_set_fences(page, PAGE, &fences);
		alex_data_fences(page, PAGE, &got);
		CHECK(got.high_infinite);
	}
	{
		AlexBlock l = 0, r = 0;
		alex_data_links(page, PAGE, &l, &r);
		CHECK(l == 3 && r == ALEX_INVALID_BLOCK);
	}

	/* Insert an odd key; scratch of count + 1 entries as documented. */
	{
		AlexEntry e;
		e.key = alex_code_from_int(51);
		e.tid = ((uint64_t) 9 << 16) | 2;
		st = alex_data_insert(page, PAGE, e, scratch, alex_data_count(page, PAGE) + 1);
		CHECK(st == ALEX_OK);
		CHECK(alex_data_insert(page, PAGE, e, scratch, alex_data_count(page, PAGE) + 1) == ALEX_DUPLICATE);
		CHECK(alex_data_count(page, PAGE) == 201);
		slot = alex_data_lower_bound(page, PAGE, e);
		CHECK(slot != ALEX_END && entry_eq(alex_data_entry(page, PAGE, slot), e));
		slot = alex_data_upper_bound(page, PAGE, e);
		CHECK(slot != ALEX_END && alex_data_entry(page, PAGE, slot).key == alex_code_from_int(52));
		e.key = alex_code_from_int(1000);
		CHECK(alex_data_lower_bound(page, PAGE, e) == ALEX_END);
	}

	/* Iterate both ways. */
	n = 0;
	for (slot = alex_data_first(page, PAGE); slot != ALEX_END; slot = alex_data_next(page, PAGE, slot)) n++;
	CHECK(n == 201);
	n = 0;
	for (slot = alex_data_last(page, PAGE); slot != ALEX_END; slot = alex_data_prev(page, PAGE, slot)) n++;
	CHECK(n == 201);
	CHECK(alex_data_entry(page, PAGE, alex_data_last(page, PAGE)).key == alex_code_from_int(398));

	/* Erase, then split in the middle. */
	CHECK(alex_data_erase(page, PAGE, entries[10]) == ALEX_OK);
	CHECK(alex_data_erase(page, PAGE, entries[10]) == ALEX_NOT_FOUND);
	{
		AlexEntry incoming, boundary;
		incoming.key = alex_code_from_int(77);
		incoming.tid = 1;
		boundary = alex_data_choose_split(page, PAGE, incoming, 0.8);
		CHECK(boundary.key > alex_code_from_int(100) && boundary.key < alex_code_from_int(300));
		st = alex_data_split(page, right, PAGE, 3, 4, boundary, scratch, alex_data_count(page, PAGE));
		CHECK(st == ALEX_OK);
		CHECK(alex_data_count(page, PAGE) + alex_data_count(right, PAGE) == 200);
		alex_data_fences(right, PAGE, &got);
		CHECK(got.high_infinite);
		CHECK(entry_eq(got.low, boundary));
		CHECK(entry_eq(alex_data_entry(right, PAGE, alex_data_first(right, PAGE)), boundary));
		alex_data_set_links(right, PAGE, 3, 9);
		{
			AlexBlock l = 0, r = 0;
			alex_data_links(right, PAGE, &l, &r);
			CHECK(l == 3 && r == 9);
		}
	}

	/* Bulk-load planning. */
	CHECK(alex_bulk_take_data_page(entries, 200, 0.8, PAGE) >= 1);

	/* A model page over four children. */
	for (i = 0; i < 4; i++)
	{
		children[i].low.key = alex_code_from_int((int64_t) (i * 1000));
		children[i].low.tid = 0;
		children[i].block = (AlexBlock) (20 + i);
	}
	CHECK(alex_model_max_fanout(PAGE) >= 8);
	CHECK(alex_bulk_take_model_group(children, 4, PAGE, 1, true) >= 1);
	memset(&fences, 0, sizeof fences);
	fences.high_infinite = 1;
	st = alex_model_build(node, PAGE, children, 4, 1, &fences, ALEX_INVALID_BLOCK, ALEX_INVALID_BLOCK);
	CHECK(st == ALEX_OK);
	CHECK(alex_model_valid(node, PAGE));
	CHECK(alex_model_level(node, PAGE) == 1);
	alex_model_fences(node, PAGE, &got);
	CHECK(got.high_infinite && got.low.key == 0 && got.low.tid == 0);
	for (i = 0; i < 4; i++)
	{
		AlexEntry e = children[i].low;
		e.key += 10;
		CHECK(alex_model_route(node, PAGE, e) == children[i].block);
	}
	CHECK(alex_model_children(node, PAGE, out, 5) == 4);
	CHECK(out[2].block == 22);
	{
		AlexEntry split;
		split.key = alex_code_from_int(2500);
		split.tid = 0;
		CHECK(alex_model_split_child(node, PAGE, 22, 30, split) == ALEX_OK);
		CHECK(alex_model_children(node, PAGE, out, 5) == 5);
		CHECK(alex_model_split_child(node, PAGE, 99, 31, split) == ALEX_NOT_FOUND);
		/* The new child 30 merges back into 22, then splits off again. */
		CHECK(alex_model_merge_child(node, PAGE, 30, 21, split) == ALEX_NOT_FOUND);
		CHECK(alex_model_merge_child(node, PAGE, 30, 22, split) == ALEX_OK);
		CHECK(alex_model_children(node, PAGE, out, 5) == 4);
		CHECK(alex_model_split_child(node, PAGE, 22, 30, split) == ALEX_OK);
	}
	CHECK(alex_model_child_count(node, PAGE) == 5);
	{
		AlexBlock	l, r;
		AlexChild	after[7];
		AlexEntry	split, middle;

		alex_model_set_links(node, PAGE, 7, 8);
		alex_model_links(node, PAGE, &l, &r);
		CHECK(l == 7 && r == 8);

		/* The children after child 23 splits at 3500, the new child 32 right after it. */
		split.key = alex_code_from_int(3500);
		split.tid = 0;
		CHECK(alex_model_children_after_split(node, PAGE, 23, 32, split, after, 7, &n) == ALEX_OK);
		CHECK(n == 6 && after[4].block == 23 && after[5].block == 32 && entry_eq(after[5].low, split));
		for (i = 1; i < n; i++)
			CHECK(after[i - 1].low.key <= after[i].low.key);
		CHECK(alex_model_children_after_split(node, PAGE, 99, 32, split, after, 7, &n) == ALEX_NOT_FOUND);

		/* Six well-spread children retrain in place; a split at child 3 moves the rest. */
		for (i = 0; i < 6; i++)
			after[i].low.key = alex_code_from_int((int64_t) (i * 1000));
		CHECK(alex_model_retrain(node, PAGE, after, 6) == ALEX_OK);
		CHECK(alex_model_child_count(node, PAGE) == 6);
		alex_model_links(node, PAGE, &l, &r);
		CHECK(l == 7 && r == 8);
		memset(right, 0, PAGE);
		CHECK(alex_model_split(node, right, PAGE, 5, 6, after, 6, 3) == ALEX_OK);
		CHECK(alex_model_child_count(node, PAGE) == 3 && alex_model_child_count(right, PAGE) == 3);
		alex_model_fences(right, PAGE, &got);
		middle = after[3].low;
		CHECK(entry_eq(got.low, middle) && got.high_infinite);
		alex_model_fences(node, PAGE, &got);
		CHECK(entry_eq(got.high, middle) && !got.high_infinite);
		alex_model_links(node, PAGE, &l, &r);
		CHECK(l == 7 && r == 6);
		alex_model_links(right, PAGE, &l, &r);
		CHECK(l == 5 && r == 8);
		CHECK(alex_model_split(node, right, PAGE, 5, 6, after, 3, 0) == ALEX_BAD_ARGUMENT);
	}

	/* Sorting for a bulk load orders by key, then TID. */
	for (i = 0; i < 200; i++)
	{
		entries[i].key = alex_code_from_int((int64_t) ((i * 7919) % 50));
		entries[i].tid = (uint64_t) (199 - i);
	}
	alex_bulk_sort(entries, 200);
	for (i = 1; i < 200; i++)
		CHECK(entries[i - 1].key < entries[i].key ||
			  (entries[i - 1].key == entries[i].key && entries[i - 1].tid < entries[i].tid));

	/* A laid-out page reports its capacity and a model error. */
	{
		double		mean = -1;
		int64_t		max = -1;

		for (i = 0; i < 200; i++)
		{
			entries[i].key = alex_code_from_int((int64_t) (i * 3));
			entries[i].tid = 1;
		}
		memset(&fences, 0, sizeof fences);
		fences.high_infinite = 1;
		CHECK(alex_data_layout(page, PAGE, entries, 200, &fences, ALEX_INVALID_BLOCK, ALEX_INVALID_BLOCK) == ALEX_OK);
		CHECK(alex_data_capacity_of(page, PAGE) >= 200);
		alex_data_model_error(page, PAGE, &mean, &max);
		CHECK(mean >= 0 && max >= 0 && mean <= (double) max);
	}

	free(page_words);
	free(right_words);
	free(node_words);
	if (failures)
	{
		fprintf(stderr, "%d C API checks failed\n", failures);
		return 1;
	}
	printf("C API: all checks passed\n");
	return 0;
}
