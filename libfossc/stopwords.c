/*
** Stop words of English and Spanish (Snowball's lists).
**
** One sorted table holds both languages so that a single binary search
** answers both questions the analyzer asks of every word (language detection
** needs both, stemming needs one). English entries are stored as folded
** surface forms ("don't"); Spanish entries as plain forms (accents stripped),
** so "esta" and "está", "el" and "él", "si" and "sí" all match: dropping a
** few homographs ("té") as stop words costs less than missing accentless
** Spanish written on English keyboards.
*/
#include "analysis_int.h"

#include <string.h>

typedef struct stop_entry {
  const char *word;
  uint8_t len;
  uint8_t flags; /* FOSSC_STOP_EN | FOSSC_STOP_ES */
} stop_entry;

/* Sorted by bytes (strcmp order, checked by tests/unit/test_analysis.c) so
** the list is easy to review; lookups go through stop_hash below. */
static const stop_entry stop_table[] = {
    {"a", 1, 3}, {"about", 5, 1}, {"above", 5, 1}, {"after", 5, 1}, {"again", 5, 1},
    {"against", 7, 1}, {"al", 2, 2}, {"algo", 4, 2}, {"algunas", 7, 2}, {"algunos", 7, 2},
    {"all", 3, 1}, {"am", 2, 1}, {"an", 2, 1}, {"and", 3, 1}, {"ante", 4, 2}, {"antes", 5, 2},
    {"any", 3, 1}, {"are", 3, 1}, {"aren't", 6, 1}, {"as", 2, 1}, {"at", 2, 1}, {"be", 2, 1},
    {"because", 7, 1}, {"been", 4, 1}, {"before", 6, 1}, {"being", 5, 1}, {"below", 5, 1},
    {"between", 7, 1}, {"both", 4, 1}, {"but", 3, 1}, {"by", 2, 1}, {"can't", 5, 1},
    {"cannot", 6, 1}, {"como", 4, 2}, {"con", 3, 2}, {"contra", 6, 2}, {"could", 5, 1},
    {"couldn't", 8, 1}, {"cual", 4, 2}, {"cuando", 6, 2}, {"de", 2, 2}, {"del", 3, 2},
    {"desde", 5, 2}, {"did", 3, 1}, {"didn't", 6, 1}, {"do", 2, 1}, {"does", 4, 1},
    {"doesn't", 7, 1}, {"doing", 5, 1}, {"don't", 5, 1}, {"donde", 5, 2}, {"down", 4, 1},
    {"durante", 7, 2}, {"during", 6, 1}, {"e", 1, 2}, {"each", 4, 1}, {"el", 2, 2},
    {"ella", 4, 2}, {"ellas", 5, 2}, {"ellos", 5, 2}, {"en", 2, 2}, {"entre", 5, 2},
    {"era", 3, 2}, {"erais", 5, 2}, {"eramos", 6, 2}, {"eran", 4, 2}, {"eras", 4, 2},
    {"eres", 4, 2}, {"es", 2, 2}, {"esa", 3, 2}, {"esas", 4, 2}, {"ese", 3, 2}, {"eso", 3, 2},
    {"esos", 4, 2}, {"esta", 4, 2}, {"estaba", 6, 2}, {"estabais", 8, 2}, {"estabamos", 9, 2},
    {"estaban", 7, 2}, {"estabas", 7, 2}, {"estad", 5, 2}, {"estada", 6, 2}, {"estadas", 7, 2},
    {"estado", 6, 2}, {"estados", 7, 2}, {"estais", 6, 2}, {"estamos", 7, 2}, {"estan", 5, 2},
    {"estando", 7, 2}, {"estar", 5, 2}, {"estara", 6, 2}, {"estaran", 7, 2}, {"estaras", 7, 2},
    {"estare", 6, 2}, {"estareis", 8, 2}, {"estaremos", 9, 2}, {"estaria", 7, 2},
    {"estariais", 9, 2}, {"estariamos", 10, 2}, {"estarian", 8, 2}, {"estarias", 8, 2},
    {"estas", 5, 2}, {"este", 4, 2}, {"esteis", 6, 2}, {"estemos", 7, 2}, {"esten", 5, 2},
    {"estes", 5, 2}, {"esto", 4, 2}, {"estos", 5, 2}, {"estoy", 5, 2}, {"estuve", 6, 2},
    {"estuviera", 9, 2}, {"estuvierais", 11, 2}, {"estuvieramos", 12, 2},
    {"estuvieran", 10, 2}, {"estuvieras", 10, 2}, {"estuvieron", 10, 2}, {"estuviese", 9, 2},
    {"estuvieseis", 11, 2}, {"estuviesemos", 12, 2}, {"estuviesen", 10, 2},
    {"estuvieses", 10, 2}, {"estuvimos", 9, 2}, {"estuviste", 9, 2}, {"estuvisteis", 11, 2},
    {"estuvo", 6, 2}, {"few", 3, 1}, {"for", 3, 1}, {"from", 4, 1}, {"fue", 3, 2},
    {"fuera", 5, 2}, {"fuerais", 7, 2}, {"fueramos", 8, 2}, {"fueran", 6, 2}, {"fueras", 6, 2},
    {"fueron", 6, 2}, {"fuese", 5, 2}, {"fueseis", 7, 2}, {"fuesemos", 8, 2}, {"fuesen", 6, 2},
    {"fueses", 6, 2}, {"fui", 3, 2}, {"fuimos", 6, 2}, {"fuiste", 6, 2}, {"fuisteis", 8, 2},
    {"further", 7, 1}, {"ha", 2, 2}, {"habeis", 6, 2}, {"habia", 5, 2}, {"habiais", 7, 2},
    {"habiamos", 8, 2}, {"habian", 6, 2}, {"habias", 6, 2}, {"habida", 6, 2},
    {"habidas", 7, 2}, {"habido", 6, 2}, {"habidos", 7, 2}, {"habiendo", 8, 2},
    {"habra", 5, 2}, {"habran", 6, 2}, {"habras", 6, 2}, {"habre", 5, 2}, {"habreis", 7, 2},
    {"habremos", 8, 2}, {"habria", 6, 2}, {"habriais", 8, 2}, {"habriamos", 9, 2},
    {"habrian", 7, 2}, {"habrias", 7, 2}, {"had", 3, 1}, {"hadn't", 6, 1}, {"han", 3, 2},
    {"has", 3, 3}, {"hasn't", 6, 1}, {"hasta", 5, 2}, {"have", 4, 1}, {"haven't", 7, 1},
    {"having", 6, 1}, {"hay", 3, 2}, {"haya", 4, 2}, {"hayais", 6, 2}, {"hayamos", 7, 2},
    {"hayan", 5, 2}, {"hayas", 5, 2}, {"he", 2, 3}, {"he'd", 4, 1}, {"he'll", 5, 1},
    {"he's", 4, 1}, {"hemos", 5, 2}, {"her", 3, 1}, {"here", 4, 1}, {"here's", 6, 1},
    {"hers", 4, 1}, {"herself", 7, 1}, {"him", 3, 1}, {"himself", 7, 1}, {"his", 3, 1},
    {"how", 3, 1}, {"how's", 5, 1}, {"hube", 4, 2}, {"hubiera", 7, 2}, {"hubierais", 9, 2},
    {"hubieramos", 10, 2}, {"hubieran", 8, 2}, {"hubieras", 8, 2}, {"hubieron", 8, 2},
    {"hubiese", 7, 2}, {"hubieseis", 9, 2}, {"hubiesemos", 10, 2}, {"hubiesen", 8, 2},
    {"hubieses", 8, 2}, {"hubimos", 7, 2}, {"hubiste", 7, 2}, {"hubisteis", 9, 2},
    {"hubo", 4, 2}, {"i", 1, 1}, {"i'd", 3, 1}, {"i'll", 4, 1}, {"i'm", 3, 1}, {"i've", 4, 1},
    {"if", 2, 1}, {"in", 2, 1}, {"into", 4, 1}, {"is", 2, 1}, {"isn't", 5, 1}, {"it", 2, 1},
    {"it's", 4, 1}, {"its", 3, 1}, {"itself", 6, 1}, {"la", 2, 2}, {"las", 3, 2}, {"le", 2, 2},
    {"les", 3, 2}, {"let's", 5, 1}, {"lo", 2, 2}, {"los", 3, 2}, {"mas", 3, 2}, {"me", 2, 3},
    {"mi", 2, 2}, {"mia", 3, 2}, {"mias", 4, 2}, {"mio", 3, 2}, {"mios", 4, 2}, {"mis", 3, 2},
    {"more", 4, 1}, {"most", 4, 1}, {"mucho", 5, 2}, {"muchos", 6, 2}, {"mustn't", 7, 1},
    {"muy", 3, 2}, {"my", 2, 1}, {"myself", 6, 1}, {"nada", 4, 2}, {"ni", 2, 2}, {"no", 2, 3},
    {"nor", 3, 1}, {"nos", 3, 2}, {"nosotras", 8, 2}, {"nosotros", 8, 2}, {"not", 3, 1},
    {"nuestra", 7, 2}, {"nuestras", 8, 2}, {"nuestro", 7, 2}, {"nuestros", 8, 2}, {"o", 1, 2},
    {"of", 2, 1}, {"off", 3, 1}, {"on", 2, 1}, {"once", 4, 1}, {"only", 4, 1}, {"or", 2, 1},
    {"os", 2, 2}, {"other", 5, 1}, {"otra", 4, 2}, {"otras", 5, 2}, {"otro", 4, 2},
    {"otros", 5, 2}, {"ought", 5, 1}, {"our", 3, 1}, {"ours", 4, 1}, {"ourselves", 9, 1},
    {"out", 3, 1}, {"over", 4, 1}, {"own", 3, 1}, {"para", 4, 2}, {"pero", 4, 2}, {"poco", 4, 2},
    {"por", 3, 2}, {"porque", 6, 2}, {"que", 3, 2}, {"quien", 5, 2}, {"quienes", 7, 2},
    {"same", 4, 1}, {"se", 2, 2}, {"sea", 3, 2}, {"seais", 5, 2}, {"seamos", 6, 2},
    {"sean", 4, 2}, {"seas", 4, 2}, {"sera", 4, 2}, {"seran", 5, 2}, {"seras", 5, 2},
    {"sere", 4, 2}, {"sereis", 6, 2}, {"seremos", 7, 2}, {"seria", 5, 2}, {"seriais", 7, 2},
    {"seriamos", 8, 2}, {"serian", 6, 2}, {"serias", 6, 2}, {"shan't", 6, 1}, {"she", 3, 1},
    {"she'd", 5, 1}, {"she'll", 6, 1}, {"she's", 5, 1}, {"should", 6, 1}, {"shouldn't", 9, 1},
    {"si", 2, 2}, {"sido", 4, 2}, {"siendo", 6, 2}, {"sin", 3, 2}, {"so", 2, 1}, {"sobre", 5, 2},
    {"sois", 4, 2}, {"some", 4, 1}, {"somos", 5, 2}, {"son", 3, 2}, {"soy", 3, 2}, {"su", 2, 2},
    {"such", 4, 1}, {"sus", 3, 2}, {"suya", 4, 2}, {"suyas", 5, 2}, {"suyo", 4, 2},
    {"suyos", 5, 2}, {"tambien", 7, 2}, {"tanto", 5, 2}, {"te", 2, 2}, {"tendra", 6, 2},
    {"tendran", 7, 2}, {"tendras", 7, 2}, {"tendre", 6, 2}, {"tendreis", 8, 2},
    {"tendremos", 9, 2}, {"tendria", 7, 2}, {"tendriais", 9, 2}, {"tendriamos", 10, 2},
    {"tendrian", 8, 2}, {"tendrias", 8, 2}, {"tened", 5, 2}, {"teneis", 6, 2},
    {"tenemos", 7, 2}, {"tenga", 5, 2}, {"tengais", 7, 2}, {"tengamos", 8, 2},
    {"tengan", 6, 2}, {"tengas", 6, 2}, {"tengo", 5, 2}, {"tenia", 5, 2}, {"teniais", 7, 2},
    {"teniamos", 8, 2}, {"tenian", 6, 2}, {"tenias", 6, 2}, {"tenida", 6, 2},
    {"tenidas", 7, 2}, {"tenido", 6, 2}, {"tenidos", 7, 2}, {"teniendo", 8, 2}, {"than", 4, 1},
    {"that", 4, 1}, {"that's", 6, 1}, {"the", 3, 1}, {"their", 5, 1}, {"theirs", 6, 1},
    {"them", 4, 1}, {"themselves", 10, 1}, {"then", 4, 1}, {"there", 5, 1}, {"there's", 7, 1},
    {"these", 5, 1}, {"they", 4, 1}, {"they'd", 6, 1}, {"they'll", 7, 1}, {"they're", 7, 1},
    {"they've", 7, 1}, {"this", 4, 1}, {"those", 5, 1}, {"through", 7, 1}, {"ti", 2, 2},
    {"tiene", 5, 2}, {"tienen", 6, 2}, {"tienes", 6, 2}, {"to", 2, 1}, {"todo", 4, 2},
    {"todos", 5, 2}, {"too", 3, 1}, {"tu", 2, 2}, {"tus", 3, 2}, {"tuve", 4, 2},
    {"tuviera", 7, 2}, {"tuvierais", 9, 2}, {"tuvieramos", 10, 2}, {"tuvieran", 8, 2},
    {"tuvieras", 8, 2}, {"tuvieron", 8, 2}, {"tuviese", 7, 2}, {"tuvieseis", 9, 2},
    {"tuviesemos", 10, 2}, {"tuviesen", 8, 2}, {"tuvieses", 8, 2}, {"tuvimos", 7, 2},
    {"tuviste", 7, 2}, {"tuvisteis", 9, 2}, {"tuvo", 4, 2}, {"tuya", 4, 2}, {"tuyas", 5, 2},
    {"tuyo", 4, 2}, {"tuyos", 5, 2}, {"un", 2, 2}, {"una", 3, 2}, {"under", 5, 1}, {"uno", 3, 2},
    {"unos", 4, 2}, {"until", 5, 1}, {"up", 2, 1}, {"very", 4, 1}, {"vosotras", 8, 2},
    {"vosotros", 8, 2}, {"vuestra", 7, 2}, {"vuestras", 8, 2}, {"vuestro", 7, 2},
    {"vuestros", 8, 2}, {"was", 3, 1}, {"wasn't", 6, 1}, {"we", 2, 1}, {"we'd", 4, 1},
    {"we'll", 5, 1}, {"we're", 5, 1}, {"we've", 5, 1}, {"were", 4, 1}, {"weren't", 7, 1},
    {"what", 4, 1}, {"what's", 6, 1}, {"when", 4, 1}, {"when's", 6, 1}, {"where", 5, 1},
    {"where's", 7, 1}, {"which", 5, 1}, {"while", 5, 1}, {"who", 3, 1}, {"who's", 5, 1},
    {"whom", 4, 1}, {"why", 3, 1}, {"why's", 5, 1}, {"with", 4, 1}, {"won't", 5, 1},
    {"would", 5, 1}, {"wouldn't", 8, 1}, {"y", 1, 2}, {"ya", 2, 2}, {"yo", 2, 2}, {"you", 3, 1},
    {"you'd", 5, 1}, {"you'll", 6, 1}, {"you're", 6, 1}, {"you've", 6, 1}, {"your", 4, 1},
    {"yours", 5, 1}, {"yourself", 8, 1}, {"yourselves", 10, 1},
};

#define STOP_COUNT (sizeof stop_table / sizeof stop_table[0])

/* Longest entry is "estuviesemos" (12 bytes); longer words skip the search. */
#define STOP_MAX_BYTES 16

/* Hash index over stop_table, generated with the table: FNV-1a (32-bit) of
** the word, STOP_HASH_SLOTS slots with linear probing, each slot holding
** index + 1 (0 = empty). Every word is looked up at least once per token, so
** this replaces a binary search of ~9 string comparisons by ~1. The unit
** test checks that every entry is found. */
#define STOP_HASH_SLOTS 1024
static const uint16_t stop_hash[STOP_HASH_SLOTS] = {
    0, 0, 0, 140, 49, 172, 240, 217, 308, 380, 3, 0, 0, 0, 194, 107, 226, 0,
    227, 0, 46, 0, 0, 77, 139, 322, 369, 233, 418, 428, 0, 111, 135, 0, 0, 0,
    141, 393, 0, 253, 0, 355, 232, 209, 285, 316, 387, 241, 306, 417, 442, 0,
    10, 0, 430, 0, 0, 0, 0, 0, 0, 0, 37, 149, 400, 0, 0, 124, 187, 281, 207, 0,
    0, 0, 0, 0, 0, 17, 18, 0, 0, 0, 0, 307, 0, 0, 0, 0, 446, 0, 437, 0, 346, 0,
    0, 0, 0, 51, 0, 367, 0, 186, 0, 373, 266, 0, 0, 0, 235, 193, 0, 0, 0, 325,
    73, 384, 0, 129, 0, 0, 0, 0, 388, 0, 0, 0, 0, 0, 22, 464, 0, 0, 36, 0, 0,
    434, 0, 0, 260, 0, 0, 20, 198, 460, 100, 0, 359, 38, 31, 0, 0, 0, 96, 342,
    470, 0, 462, 302, 0, 0, 0, 66, 376, 34, 275, 0, 0, 171, 0, 163, 19, 104,
    257, 290, 416, 0, 0, 276, 0, 0, 362, 0, 0, 0, 304, 0, 0, 0, 0, 0, 278, 332,
    0, 429, 0, 0, 269, 155, 0, 0, 0, 0, 0, 145, 197, 236, 449, 0, 0, 340, 161,
    102, 310, 357, 0, 0, 0, 0, 0, 189, 0, 0, 0, 157, 0, 0, 448, 0, 296, 0, 0, 0,
    411, 247, 0, 0, 469, 0, 0, 0, 0, 318, 27, 91, 0, 0, 9, 84, 458, 0, 0, 0,
    234, 0, 389, 381, 0, 0, 0, 439, 0, 0, 0, 263, 116, 162, 250, 0, 0, 0, 0,
    201, 0, 0, 0, 0, 345, 52, 63, 142, 59, 243, 444, 320, 0, 0, 0, 0, 0, 0, 0,
    148, 333, 349, 323, 0, 56, 0, 328, 0, 1, 385, 440, 0, 303, 0, 246, 0, 0, 0,
    406, 153, 212, 82, 118, 0, 0, 0, 44, 0, 143, 0, 0, 138, 398, 0, 0, 0, 0,
    184, 261, 35, 174, 0, 0, 5, 424, 0, 0, 12, 0, 158, 301, 0, 0, 0, 132, 408,
    178, 378, 330, 0, 39, 0, 457, 0, 165, 465, 103, 277, 181, 69, 183, 229, 0,
    50, 89, 87, 422, 0, 0, 0, 0, 0, 377, 351, 0, 0, 0, 0, 0, 0, 280, 0, 93, 0,
    0, 0, 271, 0, 0, 0, 21, 409, 61, 311, 190, 0, 0, 0, 354, 0, 0, 74, 0, 0, 0,
    125, 0, 0, 0, 0, 264, 347, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0, 0, 0,
    0, 0, 47, 0, 0, 0, 0, 0, 0, 0, 0, 218, 447, 0, 0, 252, 0, 137, 43, 0, 0, 0,
    216, 64, 298, 379, 452, 4, 0, 105, 191, 0, 0, 0, 0, 0, 0, 315, 0, 291, 0, 0,
    0, 0, 0, 133, 219, 0, 230, 463, 245, 160, 81, 312, 53, 72, 177, 335, 441, 0,
    0, 122, 454, 167, 0, 289, 152, 117, 433, 443, 0, 273, 0, 270, 0, 127, 0, 58,
    114, 0, 164, 0, 0, 461, 147, 287, 382, 0, 221, 0, 134, 390, 267, 0, 0, 405,
    0, 283, 244, 396, 0, 0, 0, 0, 360, 199, 0, 0, 0, 0, 372, 0, 0, 317, 259,
    368, 341, 356, 415, 0, 0, 0, 0, 0, 258, 0, 0, 0, 119, 0, 0, 334, 0, 130,
    205, 363, 0, 0, 0, 215, 453, 293, 0, 206, 2, 8, 326, 0, 65, 0, 0, 0, 0, 0,
    220, 0, 42, 0, 0, 321, 262, 0, 0, 0, 331, 309, 427, 0, 0, 79, 0, 0, 419, 0,
    0, 0, 0, 282, 0, 0, 0, 0, 57, 0, 0, 0, 0, 414, 455, 0, 0, 0, 248, 0, 0, 0,
    0, 0, 0, 0, 0, 438, 0, 0, 0, 327, 0, 0, 0, 0, 0, 386, 0, 0, 456, 0, 0, 0,
    54, 254, 208, 324, 295, 0, 0, 450, 188, 286, 170, 251, 391, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 222, 265, 319, 0, 29, 41, 336, 294, 14, 120, 238, 364, 436, 467,
    0, 0, 0, 213, 0, 0, 338, 0, 0, 0, 131, 0, 0, 0, 0, 0, 0, 0, 168, 0, 0, 182,
    365, 24, 76, 95, 350, 413, 0, 15, 0, 445, 0, 421, 16, 68, 0, 0, 0, 151, 214,
    192, 195, 0, 108, 0, 0, 0, 0, 0, 0, 0, 55, 420, 313, 0, 0, 297, 13, 339, 0,
    0, 0, 0, 0, 0, 136, 0, 0, 71, 150, 225, 305, 337, 288, 459, 210, 237, 353,
    0, 0, 0, 0, 0, 6, 383, 0, 0, 0, 0, 0, 0, 26, 0, 395, 40, 0, 0, 344, 113, 80,
    348, 98, 0, 423, 224, 0, 272, 256, 0, 0, 0, 0, 0, 0, 115, 425, 426, 0, 223,
    352, 0, 0, 92, 196, 0, 0, 0, 370, 0, 0, 0, 0, 109, 0, 202, 154, 169, 86, 0,
    0, 279, 0, 0, 121, 0, 25, 94, 90, 180, 274, 412, 78, 0, 0, 0, 0, 0, 0, 0,
    166, 0, 0, 431, 0, 451, 60, 0, 88, 159, 0, 144, 231, 0, 0, 23, 0, 0, 97, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 203, 0, 0, 0, 0, 299, 0, 28, 211, 0, 0, 99, 110,
    432, 156, 0, 0, 0, 0, 0, 300, 374, 83, 394, 0, 0, 366, 403, 0, 0, 371, 0, 0,
    0, 0, 0, 30, 0, 0, 0, 128, 0, 67, 45, 0, 0, 0, 0, 70, 106, 343, 402, 468, 0,
    0, 410, 0, 179, 249, 314, 392, 404, 0, 62, 0, 435, 0, 112, 200, 0, 0, 0, 0,
    0, 75, 204, 0, 0, 185, 0, 0, 0, 0, 0, 123, 175, 0, 284, 7, 0, 0, 239, 11,
    242, 401, 0, 0, 0, 0, 0, 85, 0, 0, 361, 268, 0, 358, 0, 0, 329, 32, 101, 0,
    228, 292, 399, 407, 126, 0, 0, 0, 0, 397, 173, 375, 0, 0, 0, 0, 48, 146, 0,
    0, 0, 0, 0, 466, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 176, 0, 0, 0, 0,
};

static uint32_t fnv1a(const char *s, size_t len) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

unsigned fossc_stop_flags(const char *word, size_t len) {
  if (len == 0 || len > STOP_MAX_BYTES) return 0;
  uint32_t h = fnv1a(word, len);
  for (uint32_t p = 0; p < STOP_HASH_SLOTS; p++) {
    uint16_t v = stop_hash[(h + p) & (STOP_HASH_SLOTS - 1)];
    if (v == 0) return 0;
    const stop_entry *e = &stop_table[v - 1];
    if (e->len != len) continue;
    size_t k = 0; /* inline compare: words are short, a call costs more */
    while (k < len && e->word[k] == word[k]) k++;
    if (k == len) return e->flags;
  }
  return 0;
}

/* Maps the two-byte UTF-8 Latin-1 letters that carry a Spanish or French
** diacritic to their base letter; 0 for anything else. Enough for stop
** words, whose plain forms are plain ASCII. */
static char latin1_base(unsigned char b1, unsigned char b2) {
  if (b1 != 0xC3) return 0;
  switch (b2) {
    case 0xA0: case 0xA1: case 0xA2: case 0xA4: return 'a'; /* à á â ä */
    case 0xA8: case 0xA9: case 0xAA: case 0xAB: return 'e'; /* è é ê ë */
    case 0xAC: case 0xAD: case 0xAE: case 0xAF: return 'i'; /* ì í î ï */
    case 0xB2: case 0xB3: case 0xB4: case 0xB6: return 'o'; /* ò ó ô ö */
    case 0xB9: case 0xBA: case 0xBB: case 0xBC: return 'u'; /* ù ú û ü */
    case 0xB1: return 'n';                                  /* ñ */
    default: return 0;
  }
}

unsigned fossc_stop_flags_folded(const char *word, size_t len) {
  unsigned f = fossc_stop_flags(word, len);
  unsigned out = f & FOSSC_STOP_EN;
  char plain[STOP_MAX_BYTES + 1];
  size_t n = 0;
  int changed = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)word[i];
    if (n >= STOP_MAX_BYTES) return out;
    if (c < 0x80) {
      plain[n++] = (char)c;
    } else if (i + 1 < len && (plain[n] = latin1_base(c, (unsigned char)word[i + 1]))) {
      n++;
      i++;
      changed = 1;
    } else {
      return out; /* other scripts: no Spanish stop word */
    }
  }
  if (!changed) return out | (f & FOSSC_STOP_ES);
  return out | (fossc_stop_flags(plain, n) & FOSSC_STOP_ES);
}

int fossc_is_stopword(fossc_lang lang, const char *word, size_t len) {
  if (!word) return 0;
  unsigned f = fossc_stop_flags_folded(word, len);
  switch (lang) {
    case FOSSC_LANG_EN: return (f & FOSSC_STOP_EN) != 0;
    case FOSSC_LANG_ES: return (f & FOSSC_STOP_ES) != 0;
    default: return f != 0;
  }
}

size_t fossc_stop_table_size(void) { return STOP_COUNT; }

const char *fossc_stop_table_word(size_t i) {
  return i < STOP_COUNT ? stop_table[i].word : NULL;
}
