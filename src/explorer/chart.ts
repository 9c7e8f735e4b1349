import { html } from 'htm/preact'
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'

export interface ChartProps {
  /** Read by screen readers; also the chart's title. */
  title: string
  /** x values, then one array per series. */
  data: number[][]
  series: Array<{ label: string; color: string }>
  /** x is unix seconds (a time axis), else a plain number (an epoch). */
  time?: boolean
  bars?: boolean
  height?: number
  yLabel?: string
  /** The x series' name in the legend; default "time" or "epoch". */
  xLabel?: string
  /** Names of x = 1, 2, … (bars of parts), shown on the x axis instead of the numbers. */
  xNames?: string[]
  /** The y axis' top; default the data's maximum (+10 %). The axis always starts at 0. */
  yMax?: number
}

/** A uPlot chart that fills its container's width and redraws when the data change. */
export function Chart({
  title,
  data,
  series,
  time = false,
  bars = false,
  height = 180,
  yLabel,
  yMax,
  xLabel,
  xNames,
}: ChartProps) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const shape = `${series.map((s) => s.label).join('|')}|${bars}|${time}`
  useEffect(() => {
    const el = box.current
    if (el === null) return
    const width = Math.max(el.clientWidth, 240)
    plot.current = new uPlot(
      {
        width,
        height,
        scales: {
          x: { time },
          y: { range: (_u, _min, max): uPlot.Range.MinMax => [0, yMax ?? (max > 0 ? max * 1.1 : 1)] },
        },
        axes: [
          time
            ? {}
            : {
                // Epochs and parts are whole numbers.
                incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
                ...(xNames === undefined
                  ? {}
                  : { values: (_u: uPlot, splits: number[]) => splits.map((v) => xNames[v - 1] ?? '') }),
              },
          yLabel === undefined ? {} : { label: yLabel },
        ],
        series: [
          { label: xLabel ?? (time ? 'time' : 'epoch') },
          ...series.map((s): uPlot.Series => {
            const line = { label: s.label, stroke: s.color, width: 2 }
            const paths = bars ? uPlot.paths.bars?.({ size: [0.6, 60] }) : undefined
            return paths === undefined ? line : { ...line, fill: s.color, paths }
          }),
        ],
      },
      data as uPlot.AlignedData,
      el,
    )
    const resize = new ResizeObserver(() =>
      plot.current?.setSize({ width: Math.max(el.clientWidth, 240), height }),
    )
    resize.observe(el)
    return () => {
      resize.disconnect()
      plot.current?.destroy()
      plot.current = null
    }
  }, [shape, height, yMax])
  useEffect(() => {
    plot.current?.setData(data as uPlot.AlignedData)
  }, [data])
  return html`<figure class="chart">
    <figcaption>${title}</figcaption>
    <div ref=${box} role="img" aria-label=${title}></div>
  </figure>`
}
