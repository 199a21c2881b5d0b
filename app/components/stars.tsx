/** "Rated 4.5 out of 5 from 12 reviews" — the words every star display carries for screen readers. */
export function ratingText(average: number, count: number) {
  if (!count) return "No reviews yet";
  const avg = Number.isInteger(average) ? String(average) : average.toFixed(1);
  return `Rated ${avg} out of 5 from ${count} review${count === 1 ? "" : "s"}`;
}

/**
 * Five stars filled to the average (to the nearest half), with the rating in words for assistive
 * technology and the count visible; "No reviews yet" when there are none.
 */
export function StarRating({ average, count, compact = false }: { average: number; count: number; compact?: boolean }) {
  if (!count) return <span className="muted stars-none">No reviews yet</span>;
  const halves = Math.round(average * 2);
  return (
    <span className="stars" data-testid="rating">
      <span className="sr-only">{ratingText(average, count)}</span>
      <span className="stars-icons" aria-hidden="true">
        {[1, 2, 3, 4, 5].map((i) => (
          <span key={i} className={halves >= i * 2 ? "star full" : halves === i * 2 - 1 ? "star half" : "star"}>
            ★
          </span>
        ))}
      </span>
      <span aria-hidden="true" className="stars-text">
        {average.toFixed(1)} {compact ? `(${count})` : `· ${count} review${count === 1 ? "" : "s"}`}
      </span>
    </span>
  );
}

/**
 * A star rating input that is a plain radio group (works without JavaScript; arrow keys move
 * between stars). Visually the stars fill up to the chosen or hovered one (CSS only).
 */
export function StarInput({ name, defaultValue, error }: { name: string; defaultValue?: number; error?: string[] }) {
  return (
    <fieldset className="star-input" aria-describedby={error ? `${name}-error` : undefined}>
      <legend>Rating</legend>
      <div className="star-input-options">
        {[1, 2, 3, 4, 5].map((r) => [
          <input key={`i${r}`} type="radio" id={`${name}-${r}`} name={name} value={r} defaultChecked={defaultValue === r} required />,
          <label key={`l${r}`} htmlFor={`${name}-${r}`} title={`${r} star${r === 1 ? "" : "s"}`}>
            <span aria-hidden="true">★</span>
            <span className="sr-only">
              {r} star{r === 1 ? "" : "s"}
            </span>
          </label>,
        ])}
      </div>
      {error ? (
        <p className="field-errors" id={`${name}-error`}>
          {error.join(" ")}
        </p>
      ) : null}
    </fieldset>
  );
}
